/** The refund the provider confirmed. */
export const refundedTemplate = `<% layout('@layout') %>
<p><%= it.m.refunded.intro(it.total) %></p>
<%~ include('@facts', it) %>`;
