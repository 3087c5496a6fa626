package vectorvein

import (
	"context"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/gen/vectorveinapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// AccessKey is a VApp access key, with every field the service sends.
type AccessKey = vectorveinapi.AccessKey

// VApp is an application an access key opens.
type VApp = vectorveinapi.VApp

// AccessKeyPage is one page of List.
type AccessKeyPage = vectorveinapi.AccessKeyPage

// AccessKeyType is O (one-time), M (multiple use) or L (long-term).
type AccessKeyType = vectorveinapi.AccessKeyType

// AccessKeyStatus is AC (valid), IN (invalid), EX (expired) or US (used).
type AccessKeyStatus = vectorveinapi.AccessKeyStatus

// AccessScope is S (one application) or M (several applications).
type AccessScope = vectorveinapi.AccessScope

// Access key types, statuses and scopes.
const (
	AccessScopeSingle   AccessScope = vectorveinapi.AccessScopeS
	AccessScopeMultiple AccessScope = vectorveinapi.AccessScopeM

	AccessKeyOneTime  AccessKeyType = vectorveinapi.AccessKeyTypeO
	AccessKeyMultiple AccessKeyType = vectorveinapi.AccessKeyTypeM
	AccessKeyLongTerm AccessKeyType = vectorveinapi.AccessKeyTypeL

	AccessKeyValid   AccessKeyStatus = vectorveinapi.AC
	AccessKeyInvalid AccessKeyStatus = vectorveinapi.IN
	AccessKeyExpired AccessKeyStatus = vectorveinapi.EX
	AccessKeyUsed    AccessKeyStatus = vectorveinapi.US
)

// CreateAccessKeysRequest creates Count keys of one type. Zero values are left out of the
// request (Count 0 means 1).
type CreateAccessKeysRequest struct {
	Type AccessKeyType // required
	// Count is how many keys to create; 0 means 1.
	Count int
	// AppID (one app) or AppIDs (several), not both.
	AppID  string
	AppIDs []string
	// ExpireTime is when the keys expire, as the service's date-time string.
	ExpireTime string
	// MaxCredits caps the credits the keys may spend (0: no cap sent).
	MaxCredits float64
	// MaxUseCount caps how often the keys may be used (0: no cap sent).
	MaxUseCount int
	// Description is free text shown with the keys.
	Description string
}

// ListAccessKeysRequest selects a page of keys. Zero values take the service defaults:
// page 1, 10 a page, sorted by create_time, descending.
type ListAccessKeysRequest struct {
	// Page (1-based) and PageSize select the page.
	Page, PageSize int
	// SortField is the key field to sort by, e.g. "create_time".
	SortField string
	// SortOrder is "ascend" or "descend".
	SortOrder string
	// AppID, Status and Type filter the keys when set.
	AppID  string
	Status []AccessKeyStatus
	Type   AccessKeyType
}

// UpdateAccessKeysRequest changes one key (AccessKey) or several (AccessKeys). Zero values
// are left out, as the official SDK does.
type UpdateAccessKeysRequest struct {
	// AccessKey (one key) or AccessKeys (several) names what to change.
	AccessKey  string
	AccessKeys []string
	// AppID or AppIDs replace the apps the keys open.
	AppID  string
	AppIDs []string
	// ExpireTime, MaxUseCount, MaxCredits and Description replace those
	// fields; see CreateAccessKeysRequest.
	ExpireTime  string
	MaxUseCount int
	MaxCredits  float64
	Description string
	// Type: the service documents that a key's type cannot change; it is sent if set.
	Type AccessKeyType
}

// AccessKeyService manages VApp access keys. Get it from Client.AccessKeys.
type AccessKeyService struct{ c *Client }

// keyInputErr is a client-side rejection: an *AccessKeyError wrapping an *apierror.InputError.
func keyInputErr(field, reason string) error {
	return &AccessKeyError{Reason: "invalid " + field + ": " + reason, Err: inputErr(field, reason)}
}

func validType(t AccessKeyType) bool {
	return t == AccessKeyOneTime || t == AccessKeyMultiple || t == AccessKeyLongTerm
}

func nonEmpty(field string, list []string) error {
	if len(list) == 0 {
		return keyInputErr(field, "must not be empty")
	}
	for _, s := range list {
		if strings.TrimSpace(s) == "" {
			return keyInputErr(field, "must not hold an empty value")
		}
	}
	return nil
}

// checkCounts rejects negative counts and credits, and credits that JSON
// cannot carry (NaN, ±Inf), naming the field.
func checkCounts(count, maxUseCount int, maxCredits float64) error {
	switch {
	case count < 0:
		return keyInputErr("count", "must not be negative")
	case maxUseCount < 0:
		return keyInputErr("max use count", "must not be negative")
	case !(maxCredits >= 0) || math.IsInf(maxCredits, 0): // !(>= 0) also catches NaN
		return keyInputErr("max credits", "must be a finite number, not negative")
	}
	return nil
}

func ptrIf[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// mapKeyErr turns 404 and 403 replies of get/create into *AccessKeyError.
func mapKeyErr(notFound, forbidden string) func(*envelope, *apierror.Error) error {
	return func(env *envelope, apiErr *apierror.Error) error {
		switch {
		case env.Status == 404:
			return &AccessKeyError{Reason: notFound, Err: apiErr}
		case env.Status == 403 && !keyRelated(env.Msg):
			return &AccessKeyError{Reason: forbidden, Err: apiErr}
		}
		return nil
	}
}

// Get returns the named keys. A key that does not exist is an *AccessKeyError (404), as is
// an expired one (403).
func (s *AccessKeyService) Get(ctx context.Context, keys []string, opts ...option.RequestOption) ([]AccessKey, error) {
	if err := nonEmpty("access keys", keys); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if strings.Contains(k, ",") {
			return nil, keyInputErr("access keys", "a key must not contain a comma")
		}
	}
	return s.get(ctx, vectorveinapi.GetAccessKeysParamsGetTypeSelected, keys, opts)
}

// GetAll returns every access key of the account.
func (s *AccessKeyService) GetAll(ctx context.Context, opts ...option.RequestOption) ([]AccessKey, error) {
	return s.get(ctx, vectorveinapi.GetAccessKeysParamsGetTypeAll, nil, opts)
}

func (s *AccessKeyService) get(ctx context.Context, typ vectorveinapi.GetAccessKeysParamsGetType, keys []string, opts []option.RequestOption) ([]AccessKey, error) {
	env, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewGetAccessKeysRequest(server, &vectorveinapi.GetAccessKeysParams{APIVersion: APIVersion, GetType: &typ, AccessKeys: keys})
	}, mapKeyErr("access key does not exist", "access key has expired"))
	if err != nil {
		return nil, err
	}
	var out []AccessKey
	if err := decodeData(env, &out, "vapp/access-key/get"); err != nil {
		return nil, err
	}
	return out, nil
}

// Create creates access keys and returns them. The type must be O, M or L, and at most
// one of AppID and AppIDs may be set; both are checked before sending. An unknown app is
// an *AccessKeyError (404), as is a refusal (403).
func (s *AccessKeyService) Create(ctx context.Context, req CreateAccessKeysRequest, opts ...option.RequestOption) ([]AccessKey, error) {
	if !validType(req.Type) {
		return nil, keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	if req.AppID != "" && len(req.AppIDs) > 0 {
		return nil, keyInputErr("app id", "set app id or app ids, not both")
	}
	if err := checkCounts(req.Count, req.MaxUseCount, req.MaxCredits); err != nil {
		return nil, err
	}
	count := req.Count
	if count == 0 {
		count = 1
	}
	body := vectorveinapi.CreateAccessKeysRequest{
		AccessKeyType: req.Type, Count: &count, AppId: ptrIf(req.AppID), AppIds: req.AppIDs,
		ExpireTime: ptrIf(req.ExpireTime), MaxCredits: ptrIf(req.MaxCredits), MaxUseCount: ptrIf(req.MaxUseCount),
		Description: ptrIf(req.Description),
	}
	env, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewCreateAccessKeysRequest(server, &vectorveinapi.CreateAccessKeysParams{APIVersion: APIVersion}, body)
	}, mapKeyErr("the specified application does not exist", "no permission to create access keys"))
	if err != nil {
		return nil, err
	}
	var out []AccessKey
	if err := decodeData(env, &out, "vapp/access-key/create"); err != nil {
		return nil, err
	}
	return out, nil
}

// List returns one page of keys.
func (s *AccessKeyService) List(ctx context.Context, req ListAccessKeysRequest, opts ...option.RequestOption) (*AccessKeyPage, error) {
	if req.Page < 0 || req.PageSize < 0 {
		return nil, keyInputErr("page", "must not be negative")
	}
	if req.Type != "" && !validType(req.Type) {
		return nil, keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	page, size, field := req.Page, req.PageSize, req.SortField
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = 10
	}
	if field == "" {
		field = "create_time"
	}
	order := vectorveinapi.Descend
	switch req.SortOrder {
	case "", "descend":
	case "ascend":
		order = vectorveinapi.Ascend
	default:
		return nil, keyInputErr("sort order", `must be "ascend" or "descend"`)
	}
	body := vectorveinapi.ListAccessKeysRequest{
		Page: &page, PageSize: &size, SortField: &field, SortOrder: &order,
		AppId: ptrIf(req.AppID), Status: req.Status, AccessKeyType: ptrIf(req.Type),
	}
	env, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewListAccessKeysRequest(server, &vectorveinapi.ListAccessKeysParams{APIVersion: APIVersion}, body)
	}, nil)
	if err != nil {
		return nil, err
	}
	var out AccessKeyPage
	if err := decodeData(env, &out, "vapp/access-key/list"); err != nil {
		return nil, err
	}
	return &out, nil
}

// All iterates over every key matching req, page after page, starting at req.Page. It
// stops after a short or empty page, or once total keys were seen; an error is yielded
// once, last.
func (s *AccessKeyService) All(ctx context.Context, req ListAccessKeysRequest, opts ...option.RequestOption) iter.Seq2[AccessKey, error] {
	return func(yield func(AccessKey, error) bool) {
		if req.Page == 0 {
			req.Page = 1
		}
		seen, prevFirst := 0, ""
		for {
			p, err := s.List(ctx, req, opts...)
			if err != nil {
				yield(AccessKey{}, err)
				return
			}
			if len(p.AccessKeys) > 0 {
				// A server that ignores the page number would loop forever.
				if p.AccessKeys[0].AccessKey == prevFirst {
					yield(AccessKey{}, &RequestError{Reason: fmt.Sprintf("vapp/access-key/list: page %d repeats the previous page", req.Page)})
					return
				}
				prevFirst = p.AccessKeys[0].AccessKey
			}
			for _, k := range p.AccessKeys {
				if !yield(k, nil) {
					return
				}
			}
			seen += len(p.AccessKeys)
			size := p.PageSize
			if size <= 0 {
				size = req.PageSize
			}
			if len(p.AccessKeys) == 0 || (size > 0 && len(p.AccessKeys) < size) || seen >= p.Total {
				return
			}
			req.Page++
		}
	}
}

// Update changes one or several keys; at least one of AccessKey and AccessKeys is needed.
func (s *AccessKeyService) Update(ctx context.Context, req UpdateAccessKeysRequest, opts ...option.RequestOption) error {
	if req.AccessKey == "" && len(req.AccessKeys) == 0 {
		return keyInputErr("access key", "set access key or access keys")
	}
	if req.Type != "" && !validType(req.Type) {
		return keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	if err := checkCounts(0, req.MaxUseCount, req.MaxCredits); err != nil {
		return err
	}
	body := vectorveinapi.UpdateAccessKeysRequest{
		AccessKey: ptrIf(req.AccessKey), AccessKeys: req.AccessKeys, AppId: ptrIf(req.AppID), AppIds: req.AppIDs,
		ExpireTime: ptrIf(req.ExpireTime), MaxUseCount: ptrIf(req.MaxUseCount), MaxCredits: ptrIf(req.MaxCredits),
		Description: ptrIf(req.Description), AccessKeyType: ptrIf(req.Type),
	}
	_, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewUpdateAccessKeysRequest(server, &vectorveinapi.UpdateAccessKeysParams{APIVersion: APIVersion}, body)
	}, mapKeyErr("access key does not exist", "not allowed to update the access key"))
	return err
}

// Delete deletes keys of the app appID.
func (s *AccessKeyService) Delete(ctx context.Context, appID string, keys []string, opts ...option.RequestOption) error {
	if appID == "" {
		return keyInputErr("app id", "must not be empty")
	}
	if err := nonEmpty("access keys", keys); err != nil {
		return err
	}
	_, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewDeleteAccessKeysRequest(server, &vectorveinapi.DeleteAccessKeysParams{APIVersion: APIVersion}, vectorveinapi.DeleteAccessKeysRequest{AppId: appID, AccessKeys: keys})
	}, mapKeyErr("access key does not exist", "not allowed to delete the access key"))
	return err
}

// AddApps gives the keys access to the apps.
func (s *AccessKeyService) AddApps(ctx context.Context, keys, appIDs []string, opts ...option.RequestOption) error {
	return s.apps(ctx, keys, appIDs, true, opts)
}

// RemoveApps takes the apps away from the keys.
func (s *AccessKeyService) RemoveApps(ctx context.Context, keys, appIDs []string, opts ...option.RequestOption) error {
	return s.apps(ctx, keys, appIDs, false, opts)
}

func (s *AccessKeyService) apps(ctx context.Context, keys, appIDs []string, add bool, opts []option.RequestOption) error {
	if err := nonEmpty("access keys", keys); err != nil {
		return err
	}
	if err := nonEmpty("app ids", appIDs); err != nil {
		return err
	}
	body := vectorveinapi.AccessKeyAppsRequest{AccessKeys: keys, AppIds: appIDs}
	_, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		if add {
			return vectorveinapi.NewAddAppsToAccessKeysRequest(server, &vectorveinapi.AddAppsToAccessKeysParams{APIVersion: APIVersion}, body)
		}
		return vectorveinapi.NewRemoveAppsFromAccessKeysRequest(server, &vectorveinapi.RemoveAppsFromAccessKeysParams{APIVersion: APIVersion}, body)
	}, mapKeyErr("access key or app does not exist", "not allowed to change the access key"))
	return err
}
