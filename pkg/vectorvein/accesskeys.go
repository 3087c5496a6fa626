package vectorvein

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/gen/vectorveinapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// AccessKeyService manages VApp access keys. Get it from Client.AccessKeys.
type AccessKeyService struct{ c *Client }

// keyInputErr is a client-side rejection: an *AccessKeyError wrapping an *apierror.InputError.
func keyInputErr(field, reason string) error {
	return &AccessKeyError{Err: inputErr(field, reason)}
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

// keyErrors turns 404 and 403 (not about the API key) replies into *AccessKeyError; the
// zero value (List) leaves every error as it is.
type keyErrors struct{ notFound, forbidden string }

func (k keyErrors) wrap(err error) error {
	var ae *apierror.Error
	if k == (keyErrors{}) || !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.StatusCode == http.StatusNotFound:
		return &AccessKeyError{Reason: k.notFound, Err: err}
	case ae.StatusCode == http.StatusForbidden && !keyRelated(ae.Message):
		return &AccessKeyError{Reason: k.forbidden, Err: err}
	}
	return err
}

// keyRelated reports whether a 403 message is about the API key itself.
func keyRelated(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "api key") || strings.Contains(m, "api-key") || strings.Contains(m, "apikey") ||
		strings.Contains(msg, "身份认证信息未提供") || strings.Contains(msg, "API密钥")
}

// post sends body (a generated request type) with send and decodes the envelope's data
// into out (nil: discarded).
func (s *AccessKeyService) post(ctx context.Context, opts []option.RequestOption, body any, errs keyErrors, out any,
	send func(ctx context.Context, body *bytes.Reader) (*http.Response, error)) error {
	b, err := json.Marshal(body)
	if err != nil {
		return &AccessKeyError{Err: inputErr("request", err.Error())}
	}
	err = s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return send(ctx, bytes.NewReader(b))
	}, out)
	return errs.wrap(err)
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
	return s.get(ctx, vectorveinapi.GetTypeSelected, keys, opts)
}

// GetAll returns every access key of the account.
func (s *AccessKeyService) GetAll(ctx context.Context, opts ...option.RequestOption) ([]AccessKey, error) {
	return s.get(ctx, vectorveinapi.GetTypeAll, nil, opts)
}

func (s *AccessKeyService) get(ctx context.Context, typ vectorveinapi.GetAccessKeysParamsGetType, keys []string, opts []option.RequestOption) ([]AccessKey, error) {
	var out []AccessKey
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetAccessKeys(ctx, &vectorveinapi.GetAccessKeysParams{APIVersion: vectorveinapi.APIVersion20240508, GetType: &typ, AccessKeys: keys})
	}, &out)
	if err != nil {
		return nil, keyErrors{"access key does not exist", "access key has expired"}.wrap(err)
	}
	if out == nil {
		return nil, decodeErr("vapp/access-key/get", "reply has no data")
	}
	return out, nil
}

// Create creates access keys and returns them. The type must be O, M or L, and at most
// one of AppID and AppIDs may be set; both are checked before sending. Zero values are
// left out of the request (Count 0 means 1). An unknown app is an *AccessKeyError (404),
// as is a refusal (403).
func (s *AccessKeyService) Create(ctx context.Context, req CreateAccessKeysRequest, opts ...option.RequestOption) ([]AccessKey, error) {
	if !req.Type.Valid() {
		return nil, keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	if req.AppID != "" && len(req.AppIDs) > 0 {
		return nil, keyInputErr("app id", "set app id or app ids, not both")
	}
	if err := checkCounts(req.Count, req.MaxUseCount, req.MaxCredits); err != nil {
		return nil, err
	}
	if req.Count == 0 {
		req.Count = 1
	}
	var out []AccessKey
	err := s.post(ctx, opts, req, keyErrors{"the specified application does not exist", "no permission to create access keys"}, &out,
		func(ctx context.Context, body *bytes.Reader) (*http.Response, error) {
			return s.c.raw.CreateAccessKeysWithBody(ctx, &vectorveinapi.CreateAccessKeysParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", body)
		})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, decodeErr("vapp/access-key/create", "reply has no data")
	}
	return out, nil
}

// List returns one page of keys. Zero values take the service defaults: page 1, 10 a
// page, sorted by create_time, descending.
func (s *AccessKeyService) List(ctx context.Context, req ListAccessKeysRequest, opts ...option.RequestOption) (*AccessKeyPage, error) {
	if req.Page < 0 || req.PageSize < 0 {
		return nil, keyInputErr("page", "must not be negative")
	}
	if req.Type != "" && !req.Type.Valid() {
		return nil, keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	if req.SortOrder != "" && !req.SortOrder.Valid() {
		return nil, keyInputErr("sort order", `must be "ascend" or "descend"`)
	}
	if req.Page == 0 {
		req.Page = 1
	}
	if req.PageSize == 0 {
		req.PageSize = 10
	}
	if req.SortField == "" {
		req.SortField = "create_time"
	}
	if req.SortOrder == "" {
		req.SortOrder = Descend
	}
	var out *AccessKeyPage
	err := s.post(ctx, opts, req, keyErrors{}, &out, func(ctx context.Context, body *bytes.Reader) (*http.Response, error) {
		return s.c.raw.ListAccessKeysWithBody(ctx, &vectorveinapi.ListAccessKeysParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", body)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, decodeErr("vapp/access-key/list", "reply has no data")
	}
	return out, nil
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
					yield(AccessKey{}, decodeErr("vapp/access-key/list", fmt.Sprintf("page %d repeats the previous page", req.Page)))
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

// Update changes one key (AccessKey) or several (AccessKeys); at least one is needed.
// Zero values are left out, as the official SDK does. The service documents that a key's
// type cannot change; Type is sent if set.
func (s *AccessKeyService) Update(ctx context.Context, req UpdateAccessKeysRequest, opts ...option.RequestOption) error {
	if req.AccessKey == "" && len(req.AccessKeys) == 0 {
		return keyInputErr("access key", "set access key or access keys")
	}
	if req.Type != "" && !req.Type.Valid() {
		return keyInputErr("access key type", `must be "O", "M" or "L"`)
	}
	if err := checkCounts(0, req.MaxUseCount, req.MaxCredits); err != nil {
		return err
	}
	return s.post(ctx, opts, req, keyErrors{"access key does not exist", "not allowed to update the access key"}, nil,
		func(ctx context.Context, body *bytes.Reader) (*http.Response, error) {
			return s.c.raw.UpdateAccessKeysWithBody(ctx, &vectorveinapi.UpdateAccessKeysParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", body)
		})
}

// Delete deletes keys of the app appID.
func (s *AccessKeyService) Delete(ctx context.Context, appID string, keys []string, opts ...option.RequestOption) error {
	if appID == "" {
		return keyInputErr("app id", "must not be empty")
	}
	if err := nonEmpty("access keys", keys); err != nil {
		return err
	}
	return s.post(ctx, opts, DeleteAccessKeysRequest{AppID: appID, AccessKeys: keys}, keyErrors{"access key does not exist", "not allowed to delete the access key"}, nil,
		func(ctx context.Context, body *bytes.Reader) (*http.Response, error) {
			return s.c.raw.DeleteAccessKeysWithBody(ctx, &vectorveinapi.DeleteAccessKeysParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", body)
		})
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
	return s.post(ctx, opts, AccessKeyAppsRequest{AccessKeys: keys, AppIDs: appIDs}, keyErrors{"access key or app does not exist", "not allowed to change the access key"}, nil,
		func(ctx context.Context, body *bytes.Reader) (*http.Response, error) {
			version := vectorveinapi.APIVersion20240508
			if add {
				return s.c.raw.AddAppsToAccessKeysWithBody(ctx, &vectorveinapi.AddAppsToAccessKeysParams{APIVersion: version}, "application/json", body)
			}
			return s.c.raw.RemoveAppsFromAccessKeysWithBody(ctx, &vectorveinapi.RemoveAppsFromAccessKeysParams{APIVersion: version}, "application/json", body)
		})
}
