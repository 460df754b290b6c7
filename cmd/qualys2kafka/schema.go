package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/q2k/qualys2kafka/schemas"
)

// schemaCommand prints the Avro schema of the detection records.
func schemaCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	// TODO(schema-registry): register the schema when a registry URL is set;
	// the schema registry issue adds the client.
	_, err := fmt.Fprintln(stdout, schemas.Detection)
	return err
}
