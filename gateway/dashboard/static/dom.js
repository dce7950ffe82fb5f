// Building DOM nodes without innerHTML, so upstream text is always text, never markup.

/** An element with attributes (on* keys add listeners; false/null skip) and children. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Say `text` to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  // Emptying first makes a repeated message count as a change.
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

/** The message of anything thrown, for showing to a person. */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
