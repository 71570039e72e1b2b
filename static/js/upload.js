/* Uploads on a phone: photos larger than 2560 px are downscaled to a JPEG of at most 2560 px
 * before they leave the device, and the upload shows its progress.
 *
 * Applies to forms with a `data-upload` attribute. Without JavaScript (or without the browser
 * features used here) the form is submitted as a plain multipart POST, which works the same.
 * The server still checks every file by its content; this only saves the owner's data plan.
 *
 * After the upload the server redirects to the request page. XMLHttpRequest follows that
 * redirect itself, and the page it receives already holds the flash messages (which the server
 * shows only once), so that page is shown as it came instead of being fetched a second time.
 */
(function () {
  "use strict";
  if (window.rkUploadReady) return;  // loaded once per document, even if the body is swapped
  window.rkUploadReady = true;

  var MAX_SIDE = 2560;
  var QUALITY = 0.9;
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

  var supported = !!(
    window.FormData && window.XMLHttpRequest && window.createImageBitmap &&
    window.HTMLCanvasElement && HTMLCanvasElement.prototype.toBlob &&
    window.Promise && window.DOMParser
  );
  if (!supported) return;

  function jpegName(name) {
    var base = name.replace(/\.[^./\\]*$/, "");
    return (base || "foto") + ".jpg";
  }

  /* Resolves with the file itself, or with a smaller JPEG when the photo is over MAX_SIDE. */
  function shrink(file) {
    if (PHOTO_TYPES.indexOf(file.type) < 0) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var w = bitmap.width, h = bitmap.height, side = Math.max(w, h);
      if (side <= MAX_SIDE) {
        bitmap.close();
        return file;
      }
      var scale = MAX_SIDE / side;
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // JPEG has no transparency: put PNG/WebP on white
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          canvas.width = canvas.height = 0;  // let the memory go on small phones
          resolve(blob ? new File([blob], jpegName(file.name), { type: "image/jpeg" }) : file);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () {
      return file;  // cannot decode here: send the original, the server will judge it
    });
  }

  function buildBody(form) {
    var body = new FormData(form);
    var inputs = form.querySelectorAll("input[type=file]");
    var jobs = [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (!input.name || !input.files) return;
      body.delete(input.name);
      Array.prototype.forEach.call(input.files, function (file) {
        jobs.push(shrink(file).then(function (out) { return [input.name, out]; }));
      });
    });
    return Promise.all(jobs).then(function (pairs) {
      pairs.forEach(function (pair) { body.append(pair[0], pair[1], pair[1].name); });
      return body;
    });
  }

  /* Show the page the server redirected to, as a navigation would, keeping its messages. */
  function showPage(doc, url) {
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (url) history.replaceState(null, "", url);
    var target = document.querySelector(".flash") || document.getElementById("files");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.scrollIntoView();
    }
  }

  function plainSubmit(form) {
    form.removeAttribute("data-upload");
    HTMLFormElement.prototype.submit.call(form);
  }

  function send(form, body, progress, button) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "document";
    xhr.upload.addEventListener("progress", function (e) {
      if (!progress || !e.lengthComputable) return;
      progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var doc = xhr.response;
      if (!doc || !doc.body) {
        window.location.assign(xhr.responseURL || form.action);
        return;
      }
      var url = xhr.status < 400 ? xhr.responseURL : null;
      if (url && url.indexOf("#") < 0 && doc.getElementById("files")) url += "#files";
      showPage(doc, url);
    });
    xhr.addEventListener("error", function () {
      // The network failed: let the browser try the plain form and show its own error.
      if (button) button.disabled = false;
      plainSubmit(form);
    });
    xhr.send(body);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload")) return;
    if (event.defaultPrevented) return;
    event.preventDefault();
    var progress = form.querySelector("progress.upload-progress");
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    if (progress) {
      progress.removeAttribute("value");  // indeterminate while photos are being shrunk
      progress.hidden = false;
    }
    buildBody(form).then(function (body) {
      if (progress) progress.value = 0;
      send(form, body, progress, button);
    }).catch(function () {
      if (button) button.disabled = false;
      plainSubmit(form);
    });
  });
})();
