/** Entry of the panel bundle (webview, `rnnlens serve` page, or static snapshot). */
import { detectHost } from "./host";
import { PanelApp } from "./panelApp";

const root = document.getElementById("rnnlens-panel") ?? document.body;
const app = new PanelApp(root, detectHost());
// Tests and the benchmark read timings and drive the app through this handle.
(window as unknown as { rnnlens: PanelApp }).rnnlens = app;
app.start();
