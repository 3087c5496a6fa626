package dial

import (
	"encoding/json"
	"reflect"
	"testing"
)

var chunkSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1748953530,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"choices":[{"index":0,"finish_reason":null,"delta":{"content":" word12"}}],"usage":null,"id":"1d73f61f","created":1748953530,"object":"chat.completion.chunk"}`,
	`{"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":9998,"total_tokens":10009}}`,
	`{"id":"x","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1}}}`,
	` { "id" : "x" , "choices" : [ { "index" : 1 , "delta" : { "content" : "a\nb \"q\" \u00e9 \ud83d\ude00" , "refusal" : null } } , null ] } `,
	`{"id":"x","choices":[{"index":0,"delta":{"content":"bad \ud800 surrogate"}}]}`,
	"{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"invalid \xff utf8\"}}]}",
	`{"ID":"x","Choices":[{"Index":2}]}`,
	`{"id":"a","id":"b"}`,
	`{"choices":[{"index":0,"delta":{"content":"a"},"delta":{"role":"user"}}]}`,
	`{"created":1.5}`, `{"created":1e3}`, `{"created":-0}`, `{"created":01}`, `{"created":99999999999999999999}`,
	`{"created":null,"model":null,"choices":null,"usage":null}`,
	`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{"}}]}}]}`,
	`{"choices":[{"index":0,"delta":{"custom_content":{"stages":[{"index":0,"name":"S"}],"state":{"k":1}}}}]}`,
	`{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}`,
	`{"error":{"message":"boom","code":500}}`,
	`{"statistics":{"discarded_messages":[0]}}`,
	`null`, `{}`, `[]`, `{"id":"x"} x`, `{"id":"x",}`, `{"id":"x"`, `{"id":5}`, `{"choices":[{}]}`, `{"choices":[1]}`,
	`{"choices":[{"index":0,"delta":null,"finish_reason":"stop"}]}`, `{"id":"a\u0000"}`, "{\"id\":\"a\x01\"}",
}

// normalized is c as the scanner returns it: "logprobs": null as nil.
func normalized(c ChatCompletionChunk) ChatCompletionChunk {
	for i := range c.Choices {
		if string(c.Choices[i].Logprobs) == "null" {
			c.Choices[i].Logprobs = nil
		}
	}
	return c
}

// checkChunk decodes data with a chunkDecoder (twice, so the reused
// strings are exercised) and with json.Unmarshal, which must agree.
func checkChunk(t *testing.T, data []byte) {
	var want chunkWire
	wantErr := json.Unmarshal(data, &want)
	var d chunkDecoder
	for range 2 {
		got, ew, err := d.decode(data)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, json.Unmarshal %v", data, err, wantErr)
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(ew, want.Error) {
			t.Fatalf("%s: error event %+v, json.Unmarshal %+v", data, ew, want.Error)
		}
		if g, w := normalized(got), normalized(want.ChatCompletionChunk); !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %#v\nwant %#v", data, g, w)
		}
	}
}

// TestChunkDecoderMatchesJSON: the chunk scanner decodes what encoding/json
// decodes, and hands it everything it does not handle itself.
func TestChunkDecoderMatchesJSON(t *testing.T) {
	for _, s := range chunkSeeds {
		checkChunk(t, []byte(s))
	}
	var d chunkDecoder
	if _, _, err := d.decode([]byte(chunkSeeds[0])); err != nil || !d.fast([]byte(chunkSeeds[0]), new(ChatCompletionChunk)) {
		t.Fatal("the common chunk is not read by the scanner")
	}
}

// FuzzChunkDecoder: on any input the scanner and encoding/json agree.
func FuzzChunkDecoder(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkChunk(t, data) })
}

// TestChunkDecodeAllocs: a content chunk costs its choices and its text;
// the strings it repeats from the chunk before cost nothing.
func TestChunkDecodeAllocs(t *testing.T) {
	first := []byte(chunkSeeds[0])
	next := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1748953530,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" word"},"logprobs":null,"finish_reason":null}],"usage":null}`)
	var d chunkDecoder
	if _, _, err := d.decode(first); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		c, _, err := d.decode(next)
		if err != nil || c.Choices[0].Delta.Content != " word" || c.Model != "gpt-4o" {
			t.Fatalf("%+v %v", c, err)
		}
	})
	if n > 2 && !raceEnabled {
		t.Errorf("a content chunk: %v allocations, want ≤ 2", n)
	}
}
