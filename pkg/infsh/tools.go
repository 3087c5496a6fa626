package infsh

import (
	"bytes"
	"encoding/json"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// ordered is a JSON object that keeps its member order (the official
// builder's dicts do, and "required" lists follow it).
type ordered []kv

// MarshalJSON writes the members in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Param is the JSON-Schema of one tool parameter. Make one with
// StringParam, NumberParam, IntegerParam, BooleanParam, EnumParam,
// ArrayParam or ObjectParam; Optional marks it not required.
type Param struct {
	typ         string
	description string
	enum        []string
	items       *Param
	properties  []Field
	optional    bool
}

// Field is a named parameter (of a tool, or a property of an object).
type Field struct {
	Name  string
	Param Param
}

// F names a parameter: F("city", StringParam("City name")).
func F(name string, p Param) Field { return Field{Name: name, Param: p} }

// StringParam is a string parameter; description "" is left out.
func StringParam(description string) Param { return Param{typ: "string", description: description} }

// NumberParam is a number parameter.
func NumberParam(description string) Param { return Param{typ: "number", description: description} }

// IntegerParam is an integer parameter.
func IntegerParam(description string) Param { return Param{typ: "integer", description: description} }

// BooleanParam is a boolean parameter.
func BooleanParam(description string) Param { return Param{typ: "boolean", description: description} }

// EnumParam is a string parameter restricted to values.
func EnumParam(values []string, description string) Param {
	return Param{typ: "string", enum: append([]string{}, values...), description: description}
}

// ArrayParam is an array of items.
func ArrayParam(items Param, description string) Param {
	return Param{typ: "array", items: &items, description: description}
}

// ObjectParam is an object with the given properties (required unless
// Optional). A name given twice keeps its first place and its last Param, as
// in the official builder.
func ObjectParam(description string, properties ...Field) Param {
	var fields []Field
	for _, f := range properties {
		fields = setField(fields, f)
	}
	if fields == nil {
		fields = []Field{}
	}
	return Param{typ: "object", properties: fields, description: description}
}

// setField adds f to fields, or replaces the field of the same name in its
// place (the official builder keeps parameters in a dict).
func setField(fields []Field, f Field) []Field {
	for i := range fields {
		if fields[i].Name == f.Name {
			fields[i].Param = f.Param
			return fields
		}
	}
	return append(fields, f)
}

// Optional marks p as not required.
func Optional(p Param) Param { p.optional = true; return p }

// raw is the parameter as the official param helpers produce it (before a
// tool's schema is computed): an optional one carries "optional": true.
func (p Param) raw() ordered {
	o := ordered{{"type", p.typ}}
	if p.enum != nil {
		o = append(o, kv{"enum", p.enum})
	}
	if p.items != nil {
		o = append(o, kv{"items", p.items.raw()})
	}
	if p.typ == "object" {
		props := ordered{}
		for _, f := range p.properties {
			props = append(props, kv{f.Name, f.Param.raw()})
		}
		o = append(o, kv{"properties", props})
	}
	if p.description != "" {
		o = append(o, kv{"description", p.description})
	}
	if p.optional {
		o = append(o, kv{"optional", true})
	}
	return o
}

// schemaOf turns parameters into an object schema: "optional" is
// stripped, non-optional names are "required" (always present at the top),
// nested objects get their own "required" when not empty. Array items pass
// through as they are, as the official builder does.
func schemaOf(fields []Field) (props ordered, required []string) {
	props = ordered{}
	required = []string{}
	for _, f := range fields {
		prop := ordered{}
		for _, m := range f.Param.raw() {
			if m.k != "optional" {
				prop = append(prop, m)
			}
		}
		if f.Param.typ == "object" {
			nested, req := schemaOf(f.Param.properties)
			for i := range prop {
				if prop[i].k == "properties" {
					prop[i].v = nested
				}
			}
			if len(req) > 0 {
				prop = append(prop, kv{"required", req})
			}
		}
		props = append(props, kv{f.Name, prop})
		if !f.Param.optional {
			required = append(required, f.Name)
		}
	}
	return props, required
}

func inputSchema(fields []Field) json.RawMessage {
	props, req := schemaOf(fields)
	b, _ := json.Marshal(ordered{{"type", "object"}, {"properties", props}, {"required", req}})
	return b
}

// Tool types, untyped so that they compare with ToolInvocation.Type (a
// string) and set AgentTool.Type (the generated AgentToolType, whose
// constants name every type the spec lists).
const (
	ToolTypeClient   = "client"
	ToolTypeApp      = "app"
	ToolTypeAgent    = "agent"
	ToolTypeHook     = "hook"
	ToolTypeInternal = "internal"
)

type toolBase struct {
	name, display, description string
	fields                     []Field
	approval                   bool
}

// common is the tool definition with the members every tool has, each
// written (as the official builders do) even when empty or false.
func (b *toolBase) common(typ AgentToolType) AgentTool {
	d := b.display
	if d == "" {
		d = b.name
	}
	desc, approval := b.description, b.approval
	return AgentTool{Name: b.name, DisplayName: &d, Description: &desc, Type: typ, RequireApproval: &approval}
}

// ClientToolBuilder builds a client tool: the agent calls it, and the
// caller's Go handler answers.
type ClientToolBuilder struct{ b toolBase }

// ClientTool starts a client tool named name.
func ClientTool(name string) *ClientToolBuilder { return &ClientToolBuilder{b: toolBase{name: name}} }

// Describe sets the description the model sees.
func (t *ClientToolBuilder) Describe(d string) *ClientToolBuilder { t.b.description = d; return t }

// DisplayName sets the name shown to people (default: the name).
func (t *ClientToolBuilder) DisplayName(n string) *ClientToolBuilder { t.b.display = n; return t }

// Param adds a parameter; adding a name again replaces it in its place.
func (t *ClientToolBuilder) Param(name string, p Param) *ClientToolBuilder {
	t.b.fields = setField(t.b.fields, F(name, p))
	return t
}

// RequireApproval makes every call wait for a person's approval.
func (t *ClientToolBuilder) RequireApproval() *ClientToolBuilder { t.b.approval = true; return t }

// Build returns the definition.
func (t *ClientToolBuilder) Build() AgentTool {
	a := t.b.common(AgentToolTypeClient)
	a.Client = &ClientToolConfig{InputSchema: inputSchema(t.b.fields)}
	return a
}

// AppToolBuilder builds an app tool: the agent runs an inference.sh app.
type AppToolBuilder struct {
	b   toolBase
	cfg AppToolConfig
}

// AppTool starts an app tool named name that runs app (namespace/name@version).
func AppTool(name, app string) *AppToolBuilder {
	return &AppToolBuilder{b: toolBase{name: name}, cfg: AppToolConfig{Ref: app}}
}

// Describe sets the description the model sees.
func (t *AppToolBuilder) Describe(d string) *AppToolBuilder { t.b.description = d; return t }

// DisplayName sets the name shown to people (default: the name).
func (t *AppToolBuilder) DisplayName(n string) *AppToolBuilder { t.b.display = n; return t }

// RequireApproval makes every call wait for a person's approval.
func (t *AppToolBuilder) RequireApproval() *AppToolBuilder { t.b.approval = true; return t }

// Function selects the function of a multi-function app.
func (t *AppToolBuilder) Function(name string) *AppToolBuilder { t.cfg.Function = name; return t }

// SessionEnabled lets the agent keep the app in a session.
func (t *AppToolBuilder) SessionEnabled() *AppToolBuilder { t.cfg.SessionEnabled = true; return t }

// Setup sets setup values passed on every call (hidden from the model).
func (t *AppToolBuilder) Setup(v map[string]any) *AppToolBuilder { t.cfg.Setup = v; return t }

// Input sets default input values (the model may override them).
func (t *AppToolBuilder) Input(v map[string]any) *AppToolBuilder { t.cfg.Input = v; return t }

// Build returns the definition.
func (t *AppToolBuilder) Build() AgentTool {
	a := t.b.common(AgentToolTypeApp)
	cfg := t.cfg
	a.App = &cfg
	return a
}

// SubAgentToolBuilder builds an agent tool: the agent delegates to another agent.
type SubAgentToolBuilder struct {
	b   toolBase
	ref string
}

// SubAgentTool starts an agent tool named name delegating to the agent ref.
func SubAgentTool(name, ref string) *SubAgentToolBuilder {
	return &SubAgentToolBuilder{b: toolBase{name: name}, ref: ref}
}

// Describe sets the description the model sees.
func (t *SubAgentToolBuilder) Describe(d string) *SubAgentToolBuilder { t.b.description = d; return t }

// DisplayName sets the name shown to people (default: the name).
func (t *SubAgentToolBuilder) DisplayName(n string) *SubAgentToolBuilder { t.b.display = n; return t }

// RequireApproval makes every call wait for a person's approval.
func (t *SubAgentToolBuilder) RequireApproval() *SubAgentToolBuilder { t.b.approval = true; return t }

// Build returns the definition.
func (t *SubAgentToolBuilder) Build() AgentTool {
	a := t.b.common(AgentToolTypeAgent)
	a.Agent = &AgentToolConfig{Ref: t.ref}
	return a
}

// WebhookToolBuilder builds a webhook tool (type "hook"): inference.sh
// POSTs the call to a URL.
type WebhookToolBuilder struct {
	b      toolBase
	url    string
	secret *string
}

// WebhookTool starts a webhook tool named name that calls url.
func WebhookTool(name, url string) *WebhookToolBuilder {
	return &WebhookToolBuilder{b: toolBase{name: name}, url: url}
}

// Describe sets the description the model sees.
func (t *WebhookToolBuilder) Describe(d string) *WebhookToolBuilder { t.b.description = d; return t }

// DisplayName sets the name shown to people (default: the name).
func (t *WebhookToolBuilder) DisplayName(n string) *WebhookToolBuilder { t.b.display = n; return t }

// Param adds a parameter; adding a name again replaces it in its place.
func (t *WebhookToolBuilder) Param(name string, p Param) *WebhookToolBuilder {
	t.b.fields = setField(t.b.fields, F(name, p))
	return t
}

// RequireApproval makes every call wait for a person's approval.
func (t *WebhookToolBuilder) RequireApproval() *WebhookToolBuilder { t.b.approval = true; return t }

// Secret names the secret that signs the webhook's requests.
func (t *WebhookToolBuilder) Secret(key string) *WebhookToolBuilder { t.secret = &key; return t }

// Build returns the definition.
func (t *WebhookToolBuilder) Build() AgentTool {
	a := t.b.common(AgentToolTypeHook)
	a.Hook = &HookToolConfig{URL: t.url, Secret: t.secret, InputSchema: inputSchema(t.b.fields)}
	return a
}

// InternalToolsBuilder builds an InternalToolsConfig.
type InternalToolsBuilder struct{ order []kv }

// InternalTools starts an internal tools configuration.
func InternalTools() *InternalToolsBuilder { return &InternalToolsBuilder{} }

func (b *InternalToolsBuilder) set(k string, on bool) *InternalToolsBuilder {
	for i := range b.order {
		if b.order[i].k == k {
			b.order[i].v = on
			return b
		}
	}
	b.order = append(b.order, kv{k, on})
	return b
}

// Plan switches the plan tools.
func (b *InternalToolsBuilder) Plan(on bool) *InternalToolsBuilder { return b.set("plan", on) }

// Memory switches the memory tools.
func (b *InternalToolsBuilder) Memory(on bool) *InternalToolsBuilder { return b.set("memory", on) }

// Widget switches the widget tools (top-level agents only).
func (b *InternalToolsBuilder) Widget(on bool) *InternalToolsBuilder { return b.set("widget", on) }

// Finish switches the finish tool (structured output of sub-agents).
func (b *InternalToolsBuilder) Finish(on bool) *InternalToolsBuilder { return b.set("finish", on) }

// Skills switches skill_get for the agent's skills.
func (b *InternalToolsBuilder) Skills(on bool) *InternalToolsBuilder { return b.set("skills", on) }

// Meta switches the meta tools (search, list and execute tools).
func (b *InternalToolsBuilder) Meta(on bool) *InternalToolsBuilder { return b.set("meta", on) }

// Artifact switches the artifact tools.
func (b *InternalToolsBuilder) Artifact(on bool) *InternalToolsBuilder { return b.set("artifact", on) }

// Agent switches the agent tool (a copy of the agent on a side task).
func (b *InternalToolsBuilder) Agent(on bool) *InternalToolsBuilder { return b.set("agent", on) }

// Remote switches the remote tools.
func (b *InternalToolsBuilder) Remote(on bool) *InternalToolsBuilder { return b.set("remote", on) }

// Knowledge switches the knowledge tools.
func (b *InternalToolsBuilder) Knowledge(on bool) *InternalToolsBuilder {
	return b.set("knowledge", on)
}

// All turns plan, memory, widget and finish on.
func (b *InternalToolsBuilder) All() *InternalToolsBuilder {
	return b.Plan(true).Memory(true).Widget(true).Finish(true)
}

// None turns plan, memory, widget and finish off.
func (b *InternalToolsBuilder) None() *InternalToolsBuilder {
	return b.Plan(false).Memory(false).Widget(false).Finish(false)
}

// Build returns the configuration.
func (b *InternalToolsBuilder) Build() InternalToolsConfig {
	var c InternalToolsConfig
	for _, m := range b.order {
		on := m.v.(bool)
		switch m.k {
		case "plan":
			c.Plan = &on
		case "memory":
			c.Memory = &on
		case "widget":
			c.Widget = &on
		case "finish":
			c.Finish = &on
		case "skills":
			c.Skills = &on
		case "meta":
			c.Meta = &on
		case "artifact":
			c.Artifact = &on
		case "agent":
			c.Agent = &on
		case "remote":
			c.Remote = &on
		case "knowledge":
			c.Knowledge = &on
		}
	}
	return c
}
