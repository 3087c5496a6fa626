package infsh

// AgentService starts conversations with agents.
type AgentService struct{ c *Client }
