// The API's reference at /docs: Swagger UI (vendored under /static/swagger-ui/) reading
// /openapi.json. Kept in its own file: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  var holder = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec"),
    domNode: holder,
    deepLinking: true,
    // no badge from the online validator: nothing leaves this origin
    validatorUrl: null,
    tryItOutEnabled: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
