// Starts govuk-frontend's components (service navigation menu, skip link, …) on every page.
// A module script, so browsers too old for govuk-frontend's JavaScript simply skip it.
import { initAll } from "../vendor/govuk-frontend.min.js";

initAll();
