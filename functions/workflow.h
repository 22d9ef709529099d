/* workflow.h - the Workflow state machine (a subset of the Amazon States
 * Language), run by mk-router.
 *
 * States: Task (calls a function: its output is the next input), Choice
 * (the first matching rule's Next, else Default), Pass (Result, or the
 * input), Succeed, Fail (Error, Cause). Field names are accepted in both
 * spellings the schema allows ("next"/"Next"). A Choice rule's Variable is
 * a JSONPath of the form $, $.a.b or $.a[0].b.
 *
 * A run stops with Error "States.StepLimitExceeded" after maxSteps states
 * (spec.maxSteps, else the caller's default); a Task whose call fails stops
 * it with "States.TaskFailed", a Choice with no match and no Default with
 * "States.NoChoiceMatched".
 */
#ifndef MK_FUNCTIONS_WORKFLOW_H
#define MK_FUNCTIONS_WORKFLOW_H

#include <json-c/json.h>
#include <stdbool.h>

/* Call function with input; 0 and *output (caller's) on success, < 0 and
 * *error (caller frees) on failure. */
typedef int (*workflow_task_fn)(void *ctx, const char *function, json_object *input,
                                json_object **output, char **error);

/* Run the Workflow object wf on input (borrowed). Returns the run record
 * (caller puts):
 *   {"workflow": NAME, "input": ..., "steps": [{"state", "type", "input",
 *    "output"}...], "status": "SUCCEEDED"|"FAILED", "output": ... |
 *    "error": ..., "cause": ...} */
json_object *workflow_run(json_object *wf, json_object *input, int default_max_steps,
                          workflow_task_fn task, void *ctx);

/* The value at a JSONPath ($, $.a.b, $.a[2]) in doc, borrowed; NULL if
 * absent. *found tells a JSON null from an absent value. */
json_object *workflow_path(json_object *doc, const char *path, bool *found);

/* Does a Choice rule match input? (exposed for tests) */
bool workflow_rule_matches(json_object *rule, json_object *input);

#endif
