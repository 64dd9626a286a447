import * as bench from "/bench/page.mjs";
window.bench = bench;
window.benchLoaded = true;
