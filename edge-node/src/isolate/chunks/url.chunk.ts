// Lazy chunk "url" (runtime-chunks.ts): core-js's WHATWG URL and URLSearchParams, which
// install themselves on globalThis; url.guest.ts moves them to their place.
declare const require: (id: string) => unknown;
require("core-js/web/url");
require("core-js/web/url-search-params");
