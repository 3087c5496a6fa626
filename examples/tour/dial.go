package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// tourDial starts the DIAL emulator in-process and walks the client's
// headline flows: list deployments, stream a chat, upload and list a file.
func tourDial(ctx context.Context, w io.Writer) error {
	srv, err := dialtest.Start()
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(w, "emulator: %s\n", srv.URL)

	client, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey),
		dial.WithAPIVersion("2024-02-15-preview"))
	if err != nil {
		return err
	}

	deployments, err := client.Deployments.List(ctx)
	if err != nil {
		return err
	}
	for _, d := range deployments {
		fmt.Fprintf(w, "deployment %-8s %s\n", d.ID, d.DisplayName)
	}

	s, err := client.Chat.Stream(ctx, "gpt-4", &dial.ChatCompletionRequest{
		Messages: []dial.Message{dial.UserMessage("Hello from the Go SDK tour")},
	})
	if err != nil {
		return err
	}
	var acc dial.ChatCompletionAccumulator
	fmt.Fprint(w, "stream: ")
	for chunk, err := range s.All() {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "[%s]", chunk.Text())
		acc.Add(chunk)
	}
	final := acc.Completion()
	fmt.Fprintf(w, "\nanswer: %q (%d tokens)\n", final.Text(), final.Usage.TotalTokens)

	sum, err := client.Chat.Create(ctx, "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("2+3=")}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "2+3= %s\n", sum.Text())

	meta, err := client.Files.Upload(ctx, "tour/hello world.txt", strings.NewReader("hello from the tour\n"),
		&dial.UploadParams{ContentType: "text/plain"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "uploaded %s (%d bytes, etag %s)\n", meta.URL, meta.ContentLength, meta.ETag)
	for item, err := range client.Files.List(ctx, "tour/", nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "listed %s %s\n", item.NodeType, item.Path())
	}
	d, err := client.Files.Download(ctx, meta.URL, nil)
	if err != nil {
		return err
	}
	body, err := d.Bytes()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "downloaded %q\n", string(body))

	// Progress of a transfer: reported at most every option.ProgressInterval
	// and once more at its end (Done), here kept to one line.
	big := bytes.Repeat([]byte("tour "), 1<<20) // 5 MiB
	reports := 0
	_, err = client.Files.Upload(ctx, "tour/big.bin", bytes.NewReader(big), nil,
		option.WithProgress(func(p option.Progress) {
			reports++
			if p.Done {
				fmt.Fprintf(w, "upload progress: %s %d of %d bytes sent, %d report(s)\n", p.Name, p.Bytes, p.Total, reports)
			}
		}))
	if err != nil {
		return err
	}
	if v := srv.Violations(); len(v) > 0 {
		return fmt.Errorf("the emulator saw %d spec violation(s): %v", len(v), v[0])
	}
	return nil
}
