package vectorvein_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func TestAccessKeysLifecycle(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	created, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{
		Type: vectorvein.AccessKeyLongTerm, Count: 2, AppID: vectorveintest.DefaultAppID,
		Description: "demo", MaxCredits: 12.5, MaxUseCount: 10,
	})
	require.NoError(t, err)
	require.Len(t, created, 2)
	k := created[0]
	require.Equal(t, vectorvein.AccessKeyLongTerm, k.AccessKeyType)
	require.Equal(t, vectorvein.AccessKeyValid, k.Status)
	require.Equal(t, "demo", k.Description)
	require.NotNil(t, k.VApp)
	require.Equal(t, vectorveintest.DefaultAppID, k.VApp.AppID)
	require.Equal(t, 12.5, *k.MaxCredits)
	require.Equal(t, 10, *k.MaxUseCount)
	require.Nil(t, k.ExpireTime)
	require.JSONEq(t, `{"access_key_type":"L","count":2,"app_id":"app-demo","description":"demo","max_credits":12.5,"max_use_count":10}`,
		string(srv.Requests()[0].Body))

	got, err := c.AccessKeys.Get(ctx, []string{created[0].AccessKey, created[1].AccessKey})
	require.NoError(t, err)
	require.Equal(t, created, got)
	r := srv.Requests()[1]
	require.Equal(t, "GET", r.Method)
	require.Equal(t, created[0].AccessKey+","+created[1].AccessKey, r.Query.Get("access_keys"))
	require.Equal(t, "selected", r.Query.Get("get_type"))

	// Update one, then several.
	require.NoError(t, c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: k.AccessKey, Description: "renamed"}))
	got, err = c.AccessKeys.Get(ctx, []string{k.AccessKey})
	require.NoError(t, err)
	require.Equal(t, "renamed", got[0].Description)
	require.NoError(t, c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{
		AccessKeys: []string{created[0].AccessKey, created[1].AccessKey}, MaxUseCount: 3,
	}))
	got, err = c.AccessKeys.Get(ctx, []string{created[1].AccessKey})
	require.NoError(t, err)
	require.Equal(t, 3, *got[0].MaxUseCount)

	// The type cannot change.
	err = c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: k.AccessKey, Type: vectorvein.AccessKeyOneTime})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 400, ae.StatusCode)

	// Apps: add makes the scope multi-app, remove makes it single again.
	require.NoError(t, c.AccessKeys.AddApps(ctx, []string{k.AccessKey}, []string{vectorveintest.SecondAppID}))
	got, err = c.AccessKeys.Get(ctx, []string{k.AccessKey})
	require.NoError(t, err)
	require.Equal(t, vectorvein.AccessScopeMultiple, got[0].AccessScope)
	require.Len(t, got[0].VApps, 2)
	require.Nil(t, got[0].VApp)
	require.NoError(t, c.AccessKeys.RemoveApps(ctx, []string{k.AccessKey}, []string{vectorveintest.DefaultAppID}))
	got, err = c.AccessKeys.Get(ctx, []string{k.AccessKey})
	require.NoError(t, err)
	require.Equal(t, vectorvein.AccessScopeSingle, got[0].AccessScope)
	require.Equal(t, vectorveintest.SecondAppID, got[0].VApp.AppID)

	// Delete, then it is gone.
	require.NoError(t, c.AccessKeys.Delete(ctx, vectorveintest.DefaultAppID, []string{k.AccessKey}))
	_, err = c.AccessKeys.Get(ctx, []string{k.AccessKey})
	var ake *vectorvein.AccessKeyError
	require.ErrorAs(t, err, &ake)
	require.Equal(t, 404, ake.StatusCode())
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "Access key does not exist", ae.Message)

	all, err := c.AccessKeys.GetAll(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func TestAccessKeyServerErrors(t *testing.T) {
	srv := vectorveintest.NewServer(t, vectorveintest.WithClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: vectorvein.AccessKeyOneTime, AppID: "no-such-app"})
	var ake *vectorvein.AccessKeyError
	require.ErrorAs(t, err, &ake)
	require.Equal(t, 404, ake.StatusCode())

	expired, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: vectorvein.AccessKeyMultiple, ExpireTime: "2029-12-31 23:59:59"})
	require.NoError(t, err)
	require.Equal(t, vectorvein.AccessKeyExpired, expired[0].Status)
	require.Equal(t, "2029-12-31T23:59:59Z", *expired[0].ExpireTime)
	_, err = c.AccessKeys.Get(ctx, []string{expired[0].AccessKey})
	require.ErrorAs(t, err, &ake)
	require.Equal(t, 403, ake.StatusCode())

	for name, call := range map[string]func() error{
		"update unknown": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "AKnope", Description: "x"})
		},
		"delete unknown": func() error { return c.AccessKeys.Delete(ctx, vectorveintest.DefaultAppID, []string{"AKnope"}) },
		"add unknown app": func() error {
			return c.AccessKeys.AddApps(ctx, []string{expired[0].AccessKey}, []string{"nope"})
		},
		"remove from unknown key": func() error {
			return c.AccessKeys.RemoveApps(ctx, []string{"AKnope"}, []string{vectorveintest.DefaultAppID})
		},
	} {
		err := call()
		require.ErrorAs(t, err, &ake, name)
		require.Equal(t, 404, ake.StatusCode(), name)
	}
}

func TestAccessKeyClientSideChecks(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	tests := map[string]func() error{
		"bad type": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "X"})
			return err
		},
		"no type": func() error { _, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{}); return err },
		"app id and app ids": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", AppID: "a", AppIDs: []string{"b"}})
			return err
		},
		"negative count": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", Count: -1})
			return err
		},
		"get nothing":   func() error { _, err := c.AccessKeys.Get(ctx, nil); return err },
		"get empty key": func() error { _, err := c.AccessKeys.Get(ctx, []string{""}); return err },
		"get comma":     func() error { _, err := c.AccessKeys.Get(ctx, []string{"a,b"}); return err },
		"list bad order": func() error {
			_, err := c.AccessKeys.List(ctx, vectorvein.ListAccessKeysRequest{SortOrder: "up"})
			return err
		},
		"list bad type": func() error {
			_, err := c.AccessKeys.List(ctx, vectorvein.ListAccessKeysRequest{Type: "Q"})
			return err
		},
		"list bad page":  func() error { _, err := c.AccessKeys.List(ctx, vectorvein.ListAccessKeysRequest{Page: -1}); return err },
		"update no key":  func() error { return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{Description: "x"}) },
		"delete no app":  func() error { return c.AccessKeys.Delete(ctx, "", []string{"k"}) },
		"delete no keys": func() error { return c.AccessKeys.Delete(ctx, "a", nil) },
		"add no keys":    func() error { return c.AccessKeys.AddApps(ctx, nil, []string{"a"}) },
		"add no apps":    func() error { return c.AccessKeys.AddApps(ctx, []string{"k"}, nil) },
		"remove no apps": func() error { return c.AccessKeys.RemoveApps(ctx, []string{"k"}, []string{}) },
		"update bad type": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", Type: "Z"})
		},
		"update negatives": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", MaxUseCount: -2})
		},
	}
	for name, call := range tests {
		t.Run(name, func(t *testing.T) {
			err := call()
			var ake *vectorvein.AccessKeyError
			require.ErrorAs(t, err, &ake)
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, 0, ake.StatusCode())
		})
	}
	require.Empty(t, srv.Requests(), "client-side checks send nothing")
}

func TestAccessKeyListAndIterator(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: vectorvein.AccessKeyLongTerm, Count: 23, AppID: vectorveintest.DefaultAppID})
	require.NoError(t, err)
	_, err = c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: vectorvein.AccessKeyOneTime, Count: 4, AppID: vectorveintest.SecondAppID})
	require.NoError(t, err)

	page, err := c.AccessKeys.List(ctx, vectorvein.ListAccessKeysRequest{})
	require.NoError(t, err)
	require.Equal(t, 27, page.Total)
	require.Equal(t, 1, page.Page)
	require.Equal(t, 10, page.PageSize)
	require.Len(t, page.AccessKeys, 10)
	var body map[string]any
	require.NoError(t, json.Unmarshal(srv.Requests()[2].Body, &body))
	require.Equal(t, map[string]any{"page": 1.0, "page_size": 10.0, "sort_field": "create_time", "sort_order": "descend"}, body)

	tests := []struct {
		name  string
		req   vectorvein.ListAccessKeysRequest
		want  int
		calls int
	}{
		{"everything", vectorvein.ListAccessKeysRequest{PageSize: 10}, 27, 3},
		{"exact pages", vectorvein.ListAccessKeysRequest{PageSize: 9}, 27, 3},
		{"by app", vectorvein.ListAccessKeysRequest{AppID: vectorveintest.SecondAppID, PageSize: 3}, 4, 2},
		{"by type", vectorvein.ListAccessKeysRequest{Type: vectorvein.AccessKeyLongTerm, PageSize: 50}, 23, 1},
		{"by status", vectorvein.ListAccessKeysRequest{Status: []vectorvein.AccessKeyStatus{vectorvein.AccessKeyExpired}}, 0, 1},
		{"from page 2", vectorvein.ListAccessKeysRequest{Page: 2, PageSize: 20}, 7, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			seen := map[string]bool{}
			for k, err := range c.AccessKeys.All(ctx, tc.req) {
				require.NoError(t, err)
				require.False(t, seen[k.AccessKey], "no key twice")
				seen[k.AccessKey] = true
			}
			require.Len(t, seen, tc.want)
			require.Len(t, srv.Requests(), tc.calls)
		})
	}

	// Ascending order, and stopping early sends no more requests.
	srv.ResetRequests()
	var first []string
	for k, err := range c.AccessKeys.All(ctx, vectorvein.ListAccessKeysRequest{PageSize: 5, SortOrder: "ascend"}) {
		require.NoError(t, err)
		first = append(first, k.AccessKey)
		if len(first) == 7 {
			break
		}
	}
	require.Len(t, srv.Requests(), 2)
	require.Less(t, first[0], first[6])

	// An error ends the iteration with one (zero, err) pair.
	n := 0
	for _, err := range c.AccessKeys.All(ctx, vectorvein.ListAccessKeysRequest{SortOrder: "sideways"}) {
		require.Error(t, err)
		n++
	}
	require.Equal(t, 1, n)
}

func TestAccessKeyIteratorStopsOnARepeatedPage(t *testing.T) {
	page := `{"status":200,"msg":"","data":{"access_keys":[` +
		`{"access_key":"a","access_key_type":"L","status":"AC"},{"access_key":"b","access_key_type":"L","status":"AC"}],` +
		`"total":100,"page":1,"page_size":2}}`
	c, err := vectorvein.NewClient(option.WithAPIKey("k"), option.WithBaseURL(newStaticServer(t, 200, page)))
	require.NoError(t, err)
	var keys []string
	var errs []error
	for k, err := range c.AccessKeys.All(context.Background(), vectorvein.ListAccessKeysRequest{PageSize: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		keys = append(keys, k.AccessKey)
	}
	require.Equal(t, []string{"a", "b"}, keys)
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "page 2 repeats the previous page")
}

// Credits JSON cannot carry are rejected like negative ones: an
// *AccessKeyError wrapping an *apierror.InputError that names the field (a
// NaN used to surface as a bare InputError about json.Marshal).
func TestAccessKeyCreditsMustBeFinite(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"create NaN": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", MaxCredits: math.NaN()})
			return err
		},
		"create +Inf": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", MaxCredits: math.Inf(1)})
			return err
		},
		"update NaN": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", MaxCredits: math.NaN()})
		},
		"update negative credits": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", MaxCredits: -1})
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			var ake *vectorvein.AccessKeyError
			require.ErrorAs(t, err, &ake)
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, "max credits", ie.Field)
		})
	}
	require.Empty(t, srv.Requests(), "client-side checks send nothing")
}
