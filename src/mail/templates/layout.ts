/**
 * The frame of every customer e-mail: greeting, the kind's own part (`it.body`), sign-off. Plain
 * tables and inline styles, which mail clients render alike; the plain-text part is derived from it.
 */
export const layoutTemplate = `<!DOCTYPE html>
<html lang="<%= it.m.htmlLang %>">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title><%= it.subject %></title></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;padding:24px">
<tr><td>
<p><%= it.m.greeting(it.customerName) %></p>
<%~ it.body %>
<p><%= it.m.signOff %></p>
</td></tr>
</table>
</td></tr></table>
</body>
</html>`;

/** The reservation's facts as a table, shared by the kinds that show them. */
export const factsTemplate = `<table role="presentation" cellpadding="4" cellspacing="0">
<tr><th align="left"><%= it.m.labels.activity %></th><td><%= it.activity %></td></tr>
<tr><th align="left"><%= it.m.labels.departure %></th><td><%= it.departure %></td></tr>
<tr><th align="left"><%= it.m.labels.seats %></th><td><%= it.seats %></td></tr>
<tr><th align="left"><%= it.m.labels.total %></th><td><%= it.total %></td></tr>
<tr><th align="left"><%= it.m.labels.reservation %></th><td><%= it.reservationId %></td></tr>
</table>`;
