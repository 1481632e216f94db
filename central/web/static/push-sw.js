// The ticket page's service worker: shows what central pushes (Web Push,
// decrypted by the browser) and opens the ticket's page when tapped.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {title: "", body: event.data.text()}; }
  const body = data.body_en ? data.body + "\n" + data.body_en : data.body;
  event.waitUntil(self.registration.showNotification(data.title || "", {body, tag: data.key, data: {url: data.url}}));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  if (event.notification.data && event.notification.data.url) event.waitUntil(clients.openWindow(event.notification.data.url));
});
