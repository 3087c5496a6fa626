package dial_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// startEmulator starts an in-process DIAL emulator for the examples. Real
// code points the client at DIAL Core instead (or sets DIAL_URL and
// DIAL_API_KEY and calls dial.NewClient()).
func startEmulator() (*dialtest.Server, *dial.Client) {
	srv, err := dialtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

func ExampleDeploymentsService_List() {
	srv, client := startEmulator()
	defer srv.Close()

	deployments, err := client.Deployments.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range deployments {
		fmt.Println(d.ID, "-", d.DisplayName)
	}
	// Output:
	// gpt-4 - GPT 4
	// gpt-4o - GPT-4o
}

func ExampleChatService_Create() {
	srv, client := startEmulator()
	defer srv.Close()

	reply, err := client.Chat.Create(context.Background(), "gpt-4", &dial.ChatCompletionRequest{
		Messages:    []dial.Message{dial.SystemMessage("Answer with a number."), dial.UserMessage("2+3=")},
		Temperature: dial.Ptr(0.0),
	}, dial.WithAPIVersion("2024-02-15-preview"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Text())
	fmt.Println("tokens:", reply.Usage.TotalTokens)
	// Output:
	// 5
	// tokens: 6
}

func ExampleChatService_Stream() {
	srv, client := startEmulator()
	defer srv.Close()

	s, err := client.Chat.Stream(context.Background(), "gpt-4", &dial.ChatCompletionRequest{
		Messages: []dial.Message{dial.UserMessage("streams arrive word by word")},
	})
	if err != nil {
		log.Fatal(err)
	}
	var acc dial.ChatCompletionAccumulator
	var pieces []string
	for chunk, err := range s.All() {
		if err != nil {
			log.Fatal(err) // an {"error": …} event or a cut connection
		}
		pieces = append(pieces, chunk.Text())
		acc.Add(chunk)
	}
	fmt.Printf("%q\n", pieces)
	final := acc.Completion()
	fmt.Println(final.Text(), "/", final.Choices[0].FinishReason, "/ usage:", final.Usage.TotalTokens)
	// Output:
	// ["" "streams " "arrive " "word " "by " "word" ""]
	// streams arrive word by word / stop / usage: 10
}

func ExampleAccumulate() {
	srv, client := startEmulator()
	defer srv.Close()

	s, err := client.Chat.Stream(context.Background(), "gpt-4", &dial.ChatCompletionRequest{
		Messages: []dial.Message{dial.UserMessage("one answer from many chunks")},
	})
	if err != nil {
		log.Fatal(err)
	}
	reply, err := dial.Accumulate(s) // reads and closes the stream
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Text())
	// Output:
	// one answer from many chunks
}

func ExampleWithExtraFields() {
	srv, client := startEmulator()
	defer srv.Close()

	// A value the Go type of max_prompt_tokens (an int) cannot hold.
	reply, err := client.Chat.Create(context.Background(), "gpt-4", &dial.ChatCompletionRequest{
		Messages: []dial.Message{dial.UserMessage("2+3=")},
	}, dial.WithExtraFields(map[string]any{"max_prompt_tokens": "infinity"}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Text())
	// Output:
	// 5
}

func ExampleFilesService_Upload() {
	srv, client := startEmulator()
	defer srv.Close()
	ctx := context.Background()

	// A path relative to the home folder; "files/<bucket>/…" and absolute
	// DIAL URLs work too. Each segment is percent-encoded for you.
	meta, err := client.Files.Upload(ctx, "reports/q1 summary.txt", strings.NewReader("all good"),
		&dial.UploadParams{ContentType: "text/plain", IfNoneMatch: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimPrefix(meta.URL, "files/"+meta.Bucket+"/"), meta.ContentLength)

	for item, err := range client.Files.List(ctx, "reports/", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("listed:", item.Name)
	}

	d, err := client.Files.Download(ctx, meta.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	data, err := d.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data), d.ETag == meta.ETag)

	// Replacing it only if nobody changed it meanwhile.
	_, err = client.Files.Upload(ctx, meta.URL, strings.NewReader("v2"), &dial.UploadParams{IfMatch: "stale-etag"})
	fmt.Println("etag mismatch:", dial.IsETagMismatch(err))
	// Output:
	// reports/q1%20summary.txt 8
	// listed: q1 summary.txt
	// all good true
	// etag mismatch: true
}

func ExamplePool() {
	srv, err := dialtest.Start(dialtest.WithAPIKey("key-alice", "alice"), dialtest.WithAPIKey("key-bob", "bob"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// Clients with different credentials share one set of connections.
	pool, err := dial.NewPool(option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	for _, key := range []string{"key-alice", "key-bob"} {
		client, err := pool.Client(option.WithAPIKey(key))
		if err != nil {
			log.Fatal(err)
		}
		home, err := client.Home(context.Background())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(home.Bucket() == dialtest.BucketOf(strings.TrimPrefix(key, "key-")))
	}
	// Output:
	// true
	// true
}

func ExampleParseFileURL() {
	u, err := dial.ParseFileURL("files/7G9WZNcoY26Vy9D7bEgbv6zqbJGfyDp9KZyEbJR4XMZt/reports/50% off [draft].txt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	fmt.Println(u.Name(), "|", u.Parent().Path())

	_, err = dial.ParseFileURL("files/7G9WZNcoY26Vy9D7bEgbv6zqbJGfyDp9KZyEbJR4XMZt/../other/x.txt")
	fmt.Println(err)
	// Output:
	// files/7G9WZNcoY26Vy9D7bEgbv6zqbJGfyDp9KZyEbJR4XMZt/reports/50%25%20off%20%5Bdraft%5D.txt
	// 50% off [draft].txt | reports/
	// dial: invalid file URL "files/7G9WZNcoY26Vy9D7bEgbv6zqbJGfyDp9KZyEbJR4XMZt/../other/x.txt": segment ".." is not allowed
}
