package option_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Options configure a client; the same options, given to one call, apply to
// that call only. Here they are applied to a Config directly to show the
// result.
func Example() {
	cfg, err := option.NewConfig(
		option.WithBaseURL("https://dial.example.com/"),
		option.WithAPIKey("my-key"),
		option.WithMaxRetries(5),
		option.WithRetryBackoff(200*time.Millisecond, 4*time.Second, 0.25),
		option.WithRequestTimeout(30*time.Second),
		option.WithHeader("X-Team", "search"),
		option.WithUserAgent("my-app/1.2"),
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.BaseURL, cfg.MaxRetries, cfg.RequestTimeout, cfg.Header.Get("X-Team"))

	// One call with different settings: a copy of the client's Config.
	call := cfg.Clone()
	_ = call.Apply(option.WithMaxRetries(0))
	fmt.Println(cfg.MaxRetries, call.MaxRetries)
	// Output:
	// https://dial.example.com 5 30s search
	// 5 0
}

// An invalid option is reported as an *apierror.InputError, never a panic.
func ExampleWithBaseURL() {
	_, err := option.NewConfig(option.WithBaseURL("dial.example.com"))
	var inputErr *apierror.InputError
	fmt.Println(errors.As(err, &inputErr))
	fmt.Println(err)
	// Output:
	// true
	// invalid base URL: must be an absolute http or https URL, e.g. https://host/path
}

// Middleware runs on every attempt, retries included, so it can sign each
// attempt afresh.
func ExampleWithMiddleware() {
	sign := func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		req.Header.Set("X-Signature", fmt.Sprint(time.Now().UnixNano()))
		return next(req)
	}
	cfg, _ := option.NewConfig(option.WithMiddleware(sign))
	fmt.Println(len(cfg.Middleware))
	// Output: 1
}

// A credential provider is called on every attempt, so it can refresh
// short-lived tokens.
func ExampleWithBearerTokenFunc() {
	tokens := 0
	cfg, _ := option.NewConfig(option.WithBearerTokenFunc(func(ctx context.Context) (string, error) {
		tokens++
		return fmt.Sprintf("token-%d", tokens), nil
	}))
	a, _ := cfg.BearerToken(context.Background())
	b, _ := cfg.BearerToken(context.Background())
	fmt.Println(a, b)
	// Output: token-1 token-2
}

// WithResponseInto gives access to the raw response of one call, e.g. to
// read rate-limit headers.
func ExampleWithResponseInto() {
	var resp *http.Response
	cfg, _ := option.NewConfig(option.WithResponseInto(&resp))
	fmt.Println(cfg.ResponseInto == &resp)
	// Output: true
}

// WithProgress, given to one upload or download, reports its bytes: at
// most every ProgressInterval while they move, and once more at the end.
// Here a DIAL upload and download go to an in-process emulator.
func ExampleWithProgress() {
	srv, err := dialtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	show := option.WithProgress(func(p option.Progress) {
		if p.Done {
			fmt.Printf("%s: %d of %d bytes\n", p.Name, p.Bytes, p.Total)
		}
	})
	data := strings.Repeat("progress ", 100_000)
	if _, err := client.Files.Upload(ctx, "docs/report.txt", strings.NewReader(data), nil, show); err != nil {
		panic(err)
	}
	d, err := client.Files.Download(ctx, "docs/report.txt", nil, show)
	if err != nil {
		panic(err)
	}
	if err := d.WriteToFile(os.DevNull); err != nil {
		panic(err)
	}
	// Output:
	// report.txt: 900000 of 900000 bytes
	// report.txt: 900000 of 900000 bytes
}
