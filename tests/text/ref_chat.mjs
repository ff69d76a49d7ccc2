// Reference chat-template renderer for tests/text: @huggingface/jinja on a
// Jinja chat template.
//   node ref_chat.mjs INPUT OUTPUT
//     INPUT: {"template": "...", "cases": [{"messages": [...], "add_generation_prompt": bool}, ...]}
//     OUTPUT: a JSON array with the rendered string of each case.
import fs from "node:fs";
import { pathToFileURL } from "node:url";

const modules = process.env.VLSI_NODE_MODULES ?? new URL("../.node/node_modules/", import.meta.url).pathname;
const { Template } = await import(pathToFileURL(`${modules}/@huggingface/jinja/dist/index.js`).href);

const [inputPath, outputPath] = process.argv.slice(2);
const { template, cases } = JSON.parse(fs.readFileSync(inputPath, "utf8"));
const compiled = new Template(template);
const rendered = cases.map((c) =>
  compiled.render({ messages: c.messages, add_generation_prompt: c.add_generation_prompt, bos_token: "", eos_token: "<|im_end|>" }),
);
fs.writeFileSync(outputPath, JSON.stringify(rendered));
