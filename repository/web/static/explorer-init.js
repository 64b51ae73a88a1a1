// Starts Swagger UI from a file (the pages' CSP allows no inline script). Requests carry the page's
// session cookie; state-changing ones get the CSRF token of the page.
"use strict";
(function () {
  const token = document.querySelector("meta[name=csrf-token]");
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    requestInterceptor: (request) => {
      if (token) request.headers["X-CSRF-Token"] = token.content;
      return request;
    },
  });
})();
