// Asks GitHub's own parsers whether a workflow, and optionally one expression in it, is accepted.
//
//   node check-workflow.cjs <workflow.yml> [<expression> <contexts.json>]
//
// contexts.json holds a JSON array; each element maps context names (github, vars, ...) to their
// values, and the expression is evaluated once per element. Prints one JSON object:
//   {"workflow": {"file", "errors": [...]},
//    "expression": {"expression", "error", "results": [...]}}      (expression only when given)
// Exit status 0 when the workflow has no error and the expression parsed and evaluated, 1 otherwise,
// 2 on wrong usage. Bundled to CommonJS by esbuild because 0.3.61 imports its schema JSON without
// import attributes, which Node 20 refuses to load as an ES module.
import { readFileSync } from "node:fs";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";

// The contexts GitHub allows in jobs.<job_id>.runs-on.
const RUNS_ON_CONTEXTS = ["github", "needs", "strategy", "matrix", "vars", "inputs"];

async function checkWorkflow(file) {
  const parsed = parseWorkflow({ name: file, content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
  const messages = parsed.context.errors.getErrors().map((e) => e.message);
  if (messages.length === 0 && parsed.value !== undefined) {
    // Conversion adds the checks the schema cannot express, such as needs naming existing jobs.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) {
      messages.push(e.Message);
    }
  }
  if (parsed.value === undefined && messages.length === 0) {
    messages.push("the workflow file is empty");
  }
  return { file, errors: messages };
}

function checkExpression(expression, contextsFile) {
  let expr;
  try {
    const lexed = new Lexer(expression).lex();
    expr = new Parser(lexed.tokens, RUNS_ON_CONTEXTS, []).parse();
  } catch (e) {
    return { expression, error: e.message, results: [] };
  }
  const contexts = JSON.parse(readFileSync(contextsFile, "utf8"), data.reviver);
  if (!(contexts instanceof data.Array)) {
    return { expression, error: `${contextsFile} must hold a JSON array of contexts`, results: [] };
  }
  try {
    const results = contexts.values().map((context) => {
      const value = new Evaluator(expr, context).evaluate();
      return JSON.parse(JSON.stringify(value, data.replacer));
    });
    return { expression, error: null, results };
  } catch (e) {
    return { expression, error: e.message, results: [] };
  }
}

async function main(args) {
  if (args.length !== 1 && args.length !== 3) {
    process.stderr.write("usage: check-workflow <workflow.yml> [<expression> <contexts.json>]\n");
    return 2;
  }
  const report = { workflow: await checkWorkflow(args[0]) };
  if (args.length === 3) {
    report.expression = checkExpression(args[1], args[2]);
  }
  process.stdout.write(JSON.stringify(report) + "\n");
  const expressionFailed = report.expression !== undefined && report.expression.error !== null;
  return report.workflow.errors.length > 0 || expressionFailed ? 1 : 0;
}

// Top-level await is not available once bundled to CommonJS.
main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
