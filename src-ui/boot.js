// Loads the UI's wasm module. Kept in its own file so the content security policy needs no
// inline scripts.
import init from "./samtale_ui.js";
init();
