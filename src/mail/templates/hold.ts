/** How to pay a hold: the Checkout link, or the Pix copy-and-paste code, or the booking site; and until when. */
export const holdTemplate = `<% layout('@layout') %>
<p><%= it.m.hold.intro %></p>
<%~ include('@facts', it) %>
<% if (it.checkoutUrl) { %>
<p><%= it.m.hold.payByLink %></p>
<p><a href="<%= it.checkoutUrl %>" style="background:#0b6e4f;color:#ffffff;padding:10px 16px;text-decoration:none"><%= it.m.hold.payButton %></a></p>
<% } else if (it.pixCode) { %>
<p><%= it.m.hold.payByPix %></p>
<pre style="white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:8px"><%= it.pixCode %></pre>
<% } else { %>
<p><%= it.m.hold.payOnSite %></p>
<% } %>
<p><strong><%= it.m.hold.until(it.deadline) %></strong></p>`;
