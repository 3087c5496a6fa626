package dialtest_test

import (
	"context"
	"fmt"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// ExampleServer_ScriptReplies scripts the next answer of the "echo"
// application: a stage, the text and an attachment, read as a stream.
func ExampleServer_ScriptReplies() {
	srv, err := dialtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	err = srv.ScriptReplies("echo", dialtest.Reply{
		Stages:      []dialtest.Stage{{Name: "Search", Content: "2 pages"}},
		Content:     "Found it.",
		Attachments: []dialtest.Attachment{{Type: "text/plain", Title: "Note", Data: "hello"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, _ := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	s, err := client.Chat.Stream(context.Background(), "echo", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("find it")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	cc, err := dial.Accumulate(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := cc.Choices[0].Message
	st := msg.CustomContent.Stages[0]
	fmt.Println(st.Name, st.Status, st.Content)
	fmt.Println(cc.Text())
	fmt.Println(msg.CustomContent.Attachments[0].Title, msg.CustomContent.Attachments[0].Data)
	// Output:
	// Search completed 2 pages
	// Found it.
	// Note hello
}
