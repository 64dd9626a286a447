// Regula's page: all work happens in this tab through the wasm module; nothing is sent anywhere.
import init, { checkSequences, version } from "./pkg/regula_wasm.js";

const input = document.getElementById("sequence-input");
const error = document.getElementById("input-error");
const table = document.getElementById("records");

function show(text) {
  if (!text.trim()) {
    error.hidden = true;
    table.hidden = true;
    return;
  }
  try {
    const records = checkSequences(text);
    error.hidden = true;
    const body = table.querySelector("tbody");
    body.replaceChildren(...records.map((r) => {
      const row = document.createElement("tr");
      for (const value of [r.name, r.length, `${(100 * r.gc).toFixed(1)} %`, r.n_count, r.masked]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }));
    table.hidden = false;
  } catch (e) {
    error.textContent = e.message ?? String(e);
    error.hidden = false;
    table.hidden = true;
  }
}

async function main() {
  await init();
  document.getElementById("version").textContent = version();
  const status = document.getElementById("model-status");
  const index = await fetch("models/index.json").then((r) => (r.ok ? r.json() : null)).catch(() => null);
  status.textContent = index && index.models && index.models.length
    ? `Shipped models: ${index.models.map((m) => m.name).join(", ")}`
    : "No shipped model yet: this build checks sequences but has no trained model to predict with.";
  input.addEventListener("input", () => show(input.value));
  show(input.value);
}

main();
