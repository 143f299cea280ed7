/* Passkeys (WebAuthn) for IKD: plain JavaScript, no framework.
 * A form with data-options-url fetches the ceremony options (JSON), calls navigator.credentials,
 * puts the authenticator's answer (JSON, base64url fields) into its hidden "credential" field and submits. */
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (item) { item.id = toBytes(item.id); });
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (item) { item.id = toBytes(item.id); });
    return { publicKey: options };
  }

  function answer(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return out;
  }

  function showError(text) {
    var box = document.getElementById("passkey-error");
    if (box) { box.textContent = text; box.hidden = false; }
  }

  function ceremony(form, event) {
    if (form.elements.credential.value) { return; }
    event.preventDefault();
    if (!window.PublicKeyCredential) { showError("This browser does not support passkeys."); return; }
    var registering = form.id === "passkey-register-form";
    fetch(form.getAttribute("data-options-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: "{}"
    }).then(function (reply) {
      return reply.json().then(function (body) {
        if (!reply.ok) { throw new Error(body.error || "The passkey request failed."); }
        return body;
      });
    }).then(function (options) {
      return registering
        ? navigator.credentials.create(creationOptions(options))
        : navigator.credentials.get(requestOptions(options));
    }).then(function (credential) {
      form.elements.credential.value = JSON.stringify(answer(credential));
      form.submit();
    }).catch(function (error) { showError(error.message || String(error)); });
  }

  document.querySelectorAll("form[data-options-url]").forEach(function (form) {
    form.addEventListener("submit", function (event) { ceremony(form, event); });
  });
})();
