package dial

import (
	"encoding/json"
	"slices"
)

// ChatCompletionAccumulator folds streamed chunks into the completion they
// make up, following DIAL's merge rules: text fragments (content, refusal,
// tool call arguments, stage content) concatenate; choices, tool calls,
// attachments, stages and per-model usage merge by index; other values are
// replaced by newer non-empty ones; state, usage and statistics are taken
// from the last chunk that carries them; the lists of logprobs
// ("content", "refusal") concatenate. The zero value is ready to use.
type ChatCompletionAccumulator struct {
	c       ChatCompletion
	choices map[int]*choiceAcc
	order   []int
}

type choiceAcc struct {
	msg          Message
	finishReason string
	toolCalls    map[int]*ToolCall
	toolOrder    []int
	attachments  indexed[Attachment]
	stages       indexed[*stageAcc]
	state        json.RawMessage
	formValue    json.RawMessage
	formSchema   json.RawMessage
	hasCustom    bool
	logprobs     logprobsAcc
}

// logprobsAcc concatenates the lists of streamed logprobs objects
// ({"content": [...], "refusal": [...]}); other values are replaced.
type logprobsAcc struct {
	fields map[string]json.RawMessage
	lists  map[string][]json.RawMessage
	order  []string
}

func (l *logprobsAcc) add(raw json.RawMessage) {
	var obj map[string]json.RawMessage
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &obj) != nil {
		return
	}
	if l.fields == nil {
		l.fields, l.lists = map[string]json.RawMessage{}, map[string][]json.RawMessage{}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := obj[k]
		if _, known := l.fields[k]; !known {
			l.order = append(l.order, k)
		}
		l.fields[k] = v
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil && items != nil {
			l.lists[k] = append(l.lists[k], items...)
		}
	}
}

func (l *logprobsAcc) json() json.RawMessage {
	if len(l.order) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(l.order))
	for _, k := range l.order {
		out[k] = l.fields[k]
		if items, ok := l.lists[k]; ok {
			b, err := json.Marshal(items)
			if err == nil {
				out[k] = b
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}

type stageAcc struct {
	stage       Stage
	attachments indexed[Attachment]
}

// indexed keeps values by index in first-seen order.
type indexed[T any] struct {
	m     map[int]T
	order []int
}

func (x *indexed[T]) get(i int, fresh func() T) T {
	if x.m == nil {
		x.m = map[int]T{}
	}
	v, ok := x.m[i]
	if !ok {
		v = fresh()
		x.m[i] = v
		x.order = append(x.order, i)
	}
	return v
}

func (x *indexed[T]) set(i int, v T) {
	x.get(i, func() T { return v })
	x.m[i] = v
}

func (x *indexed[T]) values() []T {
	if len(x.order) == 0 {
		return nil
	}
	order := slices.Clone(x.order)
	slices.Sort(order)
	out := make([]T, 0, len(order))
	for _, i := range order {
		out = append(out, x.m[i])
	}
	return out
}

func indexOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func setIfEmpty[S ~string](dst *S, v S) {
	if *dst == "" {
		*dst = v
	}
}

func replaceIfSet[S ~string](dst *S, v S) {
	if v != "" {
		*dst = v
	}
}

// Add merges one chunk.
func (a *ChatCompletionAccumulator) Add(chunk ChatCompletionChunk) {
	setIfEmpty(&a.c.ID, chunk.ID)
	if a.c.Created == 0 {
		a.c.Created = chunk.Created
	}
	replaceIfSet(&a.c.Model, chunk.Model)
	replaceIfSet(&a.c.SystemFingerprint, chunk.SystemFingerprint)
	if chunk.Usage != nil {
		u := *chunk.Usage
		a.c.Usage = &u
	}
	if chunk.Statistics != nil {
		a.mergeStatistics(chunk.Statistics)
	}
	for _, ch := range chunk.Choices {
		a.mergeChoice(ch)
	}
}

func (a *ChatCompletionAccumulator) mergeStatistics(s *Statistics) {
	if a.c.Statistics == nil {
		a.c.Statistics = &Statistics{}
	}
	st := a.c.Statistics
	if s.DiscardedMessages != nil {
		st.DiscardedMessages = slices.Clone(s.DiscardedMessages)
	}
	for k, u := range s.UsagePerModel {
		i := indexOr(u.Index, k)
		pos := slices.IndexFunc(st.UsagePerModel, func(m ModelUsage) bool { return indexOr(m.Index, -1) == i })
		u.Index = &i
		if pos < 0 {
			st.UsagePerModel = append(st.UsagePerModel, u)
			continue
		}
		cur := &st.UsagePerModel[pos]
		replaceIfSet(&cur.Model, u.Model)
		cur.PromptTokens, cur.CompletionTokens, cur.TotalTokens = u.PromptTokens, u.CompletionTokens, u.TotalTokens
	}
}

func (a *ChatCompletionAccumulator) mergeChoice(ch ChunkChoice) {
	if a.choices == nil {
		a.choices = map[int]*choiceAcc{}
	}
	c := a.choices[ch.Index]
	if c == nil {
		c = &choiceAcc{}
		a.choices[ch.Index] = c
		a.order = append(a.order, ch.Index)
	}
	d := ch.Delta
	setIfEmpty(&c.msg.Role, d.Role)
	c.msg.Content.Text += d.Content
	c.msg.Refusal += d.Refusal
	replaceIfSet(&c.finishReason, ch.FinishReason)
	c.logprobs.add(ch.Logprobs)
	if d.FunctionCall != nil {
		if c.msg.FunctionCall == nil {
			c.msg.FunctionCall = &FunctionCall{}
		}
		setIfEmpty(&c.msg.FunctionCall.Name, d.FunctionCall.Name)
		c.msg.FunctionCall.Arguments += d.FunctionCall.Arguments
	}
	for k, tc := range d.ToolCalls {
		i := indexOr(tc.Index, k)
		if c.toolCalls == nil {
			c.toolCalls = map[int]*ToolCall{}
		}
		cur := c.toolCalls[i]
		if cur == nil {
			cur = &ToolCall{}
			c.toolCalls[i] = cur
			c.toolOrder = append(c.toolOrder, i)
		}
		setIfEmpty(&cur.ID, tc.ID)
		setIfEmpty(&cur.Type, tc.Type)
		setIfEmpty(&cur.Function.Name, tc.Function.Name)
		cur.Function.Arguments += tc.Function.Arguments
	}
	if cc := d.CustomContent; cc != nil {
		c.hasCustom = true
		for k, at := range cc.Attachments {
			mergeAttachment(&c.attachments, indexOr(at.Index, k), at)
		}
		for k, st := range cc.Stages {
			i := indexOr(st.Index, k)
			cur := c.stages.get(i, func() *stageAcc { return &stageAcc{} })
			setIfEmpty(&cur.stage.Name, st.Name)
			cur.stage.Content += st.Content
			replaceIfSet(&cur.stage.Status, st.Status)
			for j, at := range st.Attachments {
				mergeAttachment(&cur.attachments, indexOr(at.Index, j), at)
			}
		}
		if len(cc.State) > 0 && string(cc.State) != "null" {
			c.state = slices.Clone(cc.State)
		}
		if len(cc.FormValue) > 0 && string(cc.FormValue) != "null" {
			c.formValue = slices.Clone(cc.FormValue)
		}
		if len(cc.FormSchema) > 0 && string(cc.FormSchema) != "null" {
			c.formSchema = slices.Clone(cc.FormSchema)
		}
	}
}

func mergeAttachment(x *indexed[Attachment], i int, at Attachment) {
	cur := x.get(i, func() Attachment { return Attachment{} })
	replaceIfSet(&cur.Type, at.Type)
	replaceIfSet(&cur.Title, at.Title)
	cur.Data += at.Data
	replaceIfSet(&cur.URL, at.URL)
	replaceIfSet(&cur.ReferenceType, at.ReferenceType)
	replaceIfSet(&cur.ReferenceURL, at.ReferenceURL)
	x.set(i, cur)
}

// Completion returns the completion accumulated so far, shaped like a
// non-streamed answer (object "chat.completion", no index keys in lists).
func (a *ChatCompletionAccumulator) Completion() *ChatCompletion {
	out := a.c
	out.Object = "chat.completion"
	if out.Usage != nil {
		u := *out.Usage
		out.Usage = &u
	}
	if out.Statistics != nil {
		st := Statistics{DiscardedMessages: slices.Clone(out.Statistics.DiscardedMessages)}
		for _, u := range out.Statistics.UsagePerModel {
			u.Index = nil
			st.UsagePerModel = append(st.UsagePerModel, u)
		}
		out.Statistics = &st
	}
	order := slices.Clone(a.order)
	slices.Sort(order)
	out.Choices = make([]Choice, 0, len(order))
	for _, i := range order {
		c := a.choices[i]
		msg := c.msg
		if msg.Role == "" {
			msg.Role = RoleAssistant
		}
		if msg.FunctionCall != nil {
			fc := *msg.FunctionCall
			msg.FunctionCall = &fc
		}
		if len(c.toolOrder) > 0 {
			idx := slices.Clone(c.toolOrder)
			slices.Sort(idx)
			for _, k := range idx {
				tc := *c.toolCalls[k]
				msg.ToolCalls = append(msg.ToolCalls, tc)
			}
		}
		if c.hasCustom {
			cc := &CustomContent{State: slices.Clone(c.state), FormValue: slices.Clone(c.formValue), FormSchema: slices.Clone(c.formSchema)}
			for _, at := range c.attachments.values() {
				cc.Attachments = append(cc.Attachments, at)
			}
			for _, st := range c.stages.values() {
				s := st.stage
				s.Index = nil
				s.Attachments = st.attachments.values()
				cc.Stages = append(cc.Stages, s)
			}
			msg.CustomContent = cc
		}
		out.Choices = append(out.Choices, Choice{Index: i, Message: msg, FinishReason: c.finishReason, Logprobs: c.logprobs.json()})
	}
	return &out
}
