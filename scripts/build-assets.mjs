#!/usr/bin/env node
// Builds the platform's web assets into src/spbe/core/static/vendor/ (gitignored):
//
//   spbe.css                  govuk-frontend rebranded (assets/spbe.scss), compressed
//   govuk-frontend.min.js     govuk-frontend's ES module (initialised by static/spbe/init.mjs)
//   fonts/*.woff2             Noto Sans, latin and latin-ext, regular and bold
//   swagger-ui/               Swagger UI for /docs (FastAPI's default page loads it from a CDN)
//   LICENCES.txt              govuk-frontend (MIT), Noto Sans (OFL-1.1), Swagger UI (Apache-2.0)
//
// Everything comes from node_modules (npm ci); nothing is fetched here or at run time.
// Quiet on success; prints warnings from our own SCSS and fails loudly on any error.

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const govuk = join(modules, "govuk-frontend", "dist", "govuk");
const fontsource = join(modules, "@fontsource", "noto-sans");
const swagger = join(modules, "swagger-ui-dist");
const out = join(root, "src", "spbe", "core", "static", "vendor");

const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui.css.map"];
const FONT_FILES = ["latin", "latin-ext"].flatMap((subset) =>
  [400, 700].map((weight) => `noto-sans-${subset}-${weight}-normal.woff2`),
);
// Strings that must never reach a page: GOV.UK's typeface and crown/crest artwork.
const FORBIDDEN = ["GDS Transport", "govuk-crest.svg", "govuk-opengraph-image", "govuk-icon-"];

function compileStylesheet() {
  const result = sass.compile(join(root, "assets", "spbe.scss"), {
    loadPaths: [modules],
    style: "compressed",
    quietDeps: true,
    sourceMap: false,
  });
  for (const text of FORBIDDEN) {
    if (result.css.includes(text)) {
      throw new Error(`spbe.css must not contain "${text}" (rebranding check)`);
    }
  }
  return result.css;
}

function copyInto(source, ...target) {
  const destination = join(out, ...target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(source, destination);
}

function licenceNotice() {
  const mit = readFileSync(join(root, "assets", "govuk-frontend-LICENSE.txt"), "utf8");
  const ofl = readFileSync(join(fontsource, "LICENSE"), "utf8");
  const swaggerNotice = readFileSync(join(swagger, "NOTICE"), "utf8");
  return [
    `govuk-frontend (MIT)\n====================\n\n${mit}`,
    `Noto Sans (SIL Open Font License 1.1)\n=====================================\n\n${ofl}`,
    `Swagger UI (Apache License 2.0)\n===============================\n\n${swaggerNotice}`,
  ].join("\n\n");
}

function build() {
  const css = compileStylesheet();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "spbe.css"), css + "\n");
  copyInto(join(govuk, "govuk-frontend.min.js"), "govuk-frontend.min.js");
  copyInto(join(govuk, "govuk-frontend.min.js.map"), "govuk-frontend.min.js.map");
  for (const file of FONT_FILES) {
    copyInto(join(fontsource, "files", file), "fonts", file);
  }
  for (const file of SWAGGER_FILES) {
    copyInto(join(swagger, file), "swagger-ui", file);
  }
  writeFileSync(join(out, "LICENCES.txt"), licenceNotice());
}

try {
  build();
} catch (error) {
  console.error(`build-assets: ${error.message ?? error}`);
  process.exit(1);
}
