/** A cancel; a paid reservation's also says the money is on its way back. */
export const cancelledTemplate = `<% layout('@layout') %>
<p><%= it.m.cancelled.intro %></p>
<%~ include('@facts', it) %>
<% if (it.refundPending) { %><p><%= it.m.cancelled.refundToFollow %></p><% } %>`;
