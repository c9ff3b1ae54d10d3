/**
 * Whether a process with this pid exists: signal 0 checks without signalling. EPERM means it exists
 * but belongs to another user (the `postgres` system user's postmaster, seen from a non-root CLI).
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM') return true;
    if (code === 'ESRCH') return false;
    throw error;
  }
}
