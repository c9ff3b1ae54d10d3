/** The voucher: what was bought, when it leaves in the activity's local time, and the reservation to show. */
export const paidTemplate = `<% layout('@layout') %>
<p><%= it.m.paid.intro %></p>
<h2><%= it.m.paid.voucher %></h2>
<%~ include('@facts', it) %>
<p><%= it.m.paid.showIt %></p>`;
