/* kv.c: `bones kv`: an operator's tool on any substrate. */
#include "config.h"

#include <bones/plugin.h>

#include "kv_verbs.h"

#define SUBSTRATE_NOTE \
  "The substrate comes from --substrate (before the verb), $BONES_SUBSTRATE,\n" \
  "the workspace config, or sqlite.  Exit codes: 3 no such key/bucket, 4 conflict\n" \
  "or exists, 5 substrate unavailable, 8 value too large.\n"

static const struct bones_subverb kv_subverbs[] = {
    {"get", "print a key's value (raw bytes; --json adds the revision)",
     "usage: bones kv get BUCKET KEY [--json]\n"
     "Prints the value exactly as stored (no newline added).  --json prints\n"
     "{bucket, key, value, revision}; a value that is not UTF-8 comes as base64\n"
     "with \"encoding\": \"base64\".\n",
     kv_get_run, 0},
    {"put", "write a value unconditionally; prints the new revision",
     "usage: bones kv put BUCKET KEY VALUE|- [--ttl DURATION] [--json]\n"
     "Writes VALUE (or standard input for -).  --ttl sets the bucket's TTL when\n"
     "this creates the bucket; a different TTL on an existing bucket is an error.\n",
     kv_put_run, 0},
    {"create", "write only if the key is absent (exit 4 if it exists)",
     "usage: bones kv create BUCKET KEY VALUE|- [--ttl DURATION] [--json]\n"
     "Creates KEY; a deleted or expired key counts as absent.  Exit 4 when the\n"
     "key exists.\n",
     kv_create_run, 0},
    {"update", "write only if the key is at --rev (exit 4 otherwise)",
     "usage: bones kv update BUCKET KEY VALUE|- --rev REVISION [--json]\n"
     "Compare-and-set: writes only if KEY's current revision is REVISION.\n",
     kv_update_run, 0},
    {"delete", "delete a key (with --rev: only at that revision)",
     "usage: bones kv delete BUCKET KEY [--rev REVISION] [--json]\n", kv_delete_run, 0},
    {"list", "list live keys in key order",
     "usage: bones kv list BUCKET [PREFIX] [-l|--long] [--json]\n"
     "One key per line; --long adds revision and size (tab-separated); --json\n"
     "adds values.\n",
     kv_list_run, 0},
    {"buckets", "list buckets with their TTL and value limit",
     "usage: bones kv buckets [--json]\n", kv_buckets_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_kv) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "kv",
    .description = "read and write the KV substrate by hand (any backend)",
    .flags = 0,
    .usage = "usage: bones [--substrate=S] kv get|put|create|update|delete|list|buckets ...\n"
             "An operator's tool on any substrate; `bones kv SUB --help` for each.\n" SUBSTRATE_NOTE,
    .run = NULL,
    .subverbs = kv_subverbs,
};
