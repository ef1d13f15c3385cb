// Parse a Mermaid diagram (stdin) with mermaid's own parser and print what it understood as JSON:
// the diagram type, each entity with its attributes, each relationship. Exit 1 with the parser's
// message when the text does not parse. Mermaid wants a DOM even to parse: jsdom provides one.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await import("mermaid")).default;

const text = readFileSync(0, "utf8");
try {
  await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const entities = {};
  const names = {};
  for (const [name, entity] of diagram.db.getEntities()) {
    names[entity.id] = name;
    entities[name] = entity.attributes.map((a) => ({ type: a.type, name: a.name, keys: a.keys }));
  }
  const relationships = diagram.db.getRelationships().map((r) => ({
    a: names[r.entityA], b: names[r.entityB], label: r.roleA,
    cardA: r.relSpec.cardA, cardB: r.relSpec.cardB, relType: r.relSpec.relType,
  }));
  console.log(JSON.stringify({ type: diagram.type, entities, relationships }));
} catch (error) {
  console.error(String(error.message ?? error));
  process.exit(1);
}
