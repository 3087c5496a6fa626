package dial_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aiclients/sdk-go/pkg/dial"
)

func ExampleEmbeddingsService_Create() {
	srv, client := startEmulator()
	defer srv.Close()

	resp, err := client.Embeddings.Create(context.Background(), "gpt-4", &dial.EmbeddingsRequest{
		Input:      dial.Texts("hello", "world"),
		Dimensions: dial.Ptr(4),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range resp.Data {
		fmt.Println(e.Index, len(e.Embedding))
	}
	fmt.Println("tokens:", resp.Usage.TotalTokens)
	// Output:
	// 0 4
	// 1 4
	// tokens: 2
}
