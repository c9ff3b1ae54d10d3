/** A hold whose time to pay ran out. */
export const expiredTemplate = `<% layout('@layout') %>
<p><%= it.m.expired.intro %></p>
<%~ include('@facts', it) %>`;
