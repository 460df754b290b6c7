// Package schemas holds the Avro schemas of the records qualys2kafka
// publishes, embedded in the binary so that the encoder, the tail command
// and the schema command all use the same text. It only carries the text
// and checks compatibility between versions; encoding is left to
// internal/record and registration with a schema registry to its callers.
package schemas

import "embed"

// FS holds every schema file (*.avsc) of this directory, for commands that
// print or register all of them.
//
//go:embed *.avsc
var FS embed.FS

// Detection is the text of detection.avsc: the value schema of the
// detection topics, record com.qualys2kafka.vm.Detection.
//
// TODO(dead-letter): a DeadLetter schema and a Checkpoint value schema will
// sit next to this one; not built until their topics are.
//
//go:embed detection.avsc
var Detection string
