package infsh

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Status is generated from the spec's TaskStatus (models.gen.go); its
// helpers live here. The API sends it as a number (the current numbering,
// where 10 is completed); UnmarshalJSON accepts a name such as
// "completed" too, and unknown values decode as StatusUnknown.

// statusNames are the lower-case names of the statuses, by number.
var statusNames = [...]string{
	"unknown", "received", "queued", "dispatched", "preparing", "serving", "setting_up",
	"running", "cancelling", "uploading", "completed", "failed", "cancelled", "rejected",
}

// String returns the status's lower-case name ("completed"), or
// "status(<n>)" for a number outside the known range.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// IsTerminal reports whether the task has ended (completed, failed,
// cancelled or rejected).
func (s Status) IsTerminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled || s == StatusRejected
}

// ParseStatus reads a status name ("completed", "SETTING_UP", "scheduled" for
// the old name of dispatched) or number. Unknown text gives StatusUnknown and
// false.
func ParseStatus(text string) (Status, bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	if n, err := strconv.Atoi(t); err == nil {
		if n >= 0 && n < len(statusNames) {
			return Status(n), true
		}
		return StatusUnknown, false
	}
	if t == "scheduled" {
		return StatusDispatched, true
	}
	for i, name := range statusNames {
		if name == t {
			return Status(i), true
		}
	}
	return StatusUnknown, false
}

// UnmarshalJSON reads a number or a name; anything else unknown becomes
// StatusUnknown. Only malformed JSON is an error.
func (s *Status) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("infsh: task status: %w", err)
	}
	switch x := v.(type) {
	case float64:
		if x >= 0 && int(x) < len(statusNames) && x == float64(int(x)) {
			*s = Status(int(x))
		} else {
			*s = StatusUnknown
		}
	case string:
		*s, _ = ParseStatus(x)
	default:
		*s = StatusUnknown
	}
	return nil
}
