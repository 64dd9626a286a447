// What happened on the page, for the modules that depend on it: main.js says, in one place,
// which module reacts to what. Listeners run in the order they were added.
//   "model":   a model was loaded (model.js)
//   "records": the sequence boxes were read again (input.js)
//   "active":  another record was selected (input.js)
//   "policy":  the "Other lengths" choice changed (model.js)
//   "coordinates": the element's chromosome or start changed (input.js)
const listeners = new Map();

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}

export function emit(name) {
  for (const fn of listeners.get(name) ?? []) fn();
}
