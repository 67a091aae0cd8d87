// Small DOM helpers. Text always goes in as textContent: nothing from the data is parsed as HTML.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces a table's body with `rows` (arrays of cells), or one row saying `empty`. */
export function fillTable(table, rows, empty = "none yet") {
  const body = table.tBodies[0];
  const columns = table.tHead?.rows[0]?.cells.length ?? 1;
  body.replaceChildren(...(rows.length > 0 ? rows.map((cells) => el("tr", {}, cells.map((cell) => el("td", {}, cell)))) : [el("tr", { class: "empty" }, el("td", { colspan: columns }, empty))]));
}

/** Fills a <dl> from [term, description] pairs. */
export function fillList(list, pairs) {
  list.replaceChildren(...pairs.flatMap(([term, description]) => [el("dt", {}, term), el("dd", {}, description)]));
}

export function setFigure(name, text, title) {
  for (const node of document.querySelectorAll(`[data-figure="${name}"]`)) {
    node.textContent = text;
    if (title !== undefined) node.title = title;
  }
}

export function reasonLink(code) {
  return el("a", { href: `/dashboard/reasons?code=${encodeURIComponent(code)}#${encodeURIComponent(code)}`, class: "reason", "data-reason": code }, code);
}

export function badge(level) {
  return el("span", { class: `badge ${level}`, "data-figure": "gas-level" }, level);
}
