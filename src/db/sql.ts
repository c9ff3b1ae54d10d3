import { createSqlTag } from 'slonik';
import { z } from 'zod';

/**
 * The project's one SQL tag. `sql.typeAlias('void')` is for statements that return no rows
 * (INSERT/UPDATE without RETURNING), so even those carry a row schema.
 */
export const sql = createSqlTag({
  typeAliases: {
    void: z.object({}).strict(),
  },
});
