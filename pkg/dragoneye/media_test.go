package dragoneye_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
)

func TestMediaTypes(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		name    string
		data    []byte
		file    string
		opts    []dragoneye.MediaOption
		want    string
		wantErr bool
	}{
		{"extension", []byte("x"), "a.MOV", nil, "video/quicktime", false},
		{"sniffed png", png, "", nil, "image/png", false},
		{"sniffed mp4", mp4Bytes, "noext", nil, "video/mp4", false},
		{"explicit", []byte("x"), "", []dragoneye.MediaOption{dragoneye.WithMIMEType("video/x-custom")}, "video/x-custom", false},
		{"unknown", []byte("hello"), "notes", nil, "", true},
		// A given type must be one type/subtype: it goes into the upload's
		// part header and the begin form as it is.
		{"header injection", []byte("x"), "", []dragoneye.MediaOption{dragoneye.WithMIMEType("image/jpeg\r\nX-Injected: 1")}, "", true},
		{"no subtype", []byte("x"), "", []dragoneye.MediaOption{dragoneye.WithMIMEType("image/")}, "", true},
		{"parameters dropped", []byte("x"), "", []dragoneye.MediaOption{dragoneye.WithMIMEType("Image/JPEG; q=1")}, "image/jpeg", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := dragoneye.MediaFromBytes(tc.data, tc.file, tc.opts...)
			if tc.wantErr {
				var ie *apierror.InputError
				require.ErrorAs(t, err, &ie)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, m.MIMEType())
		})
	}
	_, err := dragoneye.MediaFromPath(filepath.Join(t.TempDir(), "missing.jpg"))
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)

	// A reader-based Media serves one upload.
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	m, err := dragoneye.MediaFromReader(bytes.NewReader(jpegBytes), "a.jpg")
	require.NoError(t, err)
	_, err = c.Predictions.Image(context.Background(), m, fast)
	require.NoError(t, err)
	_, err = c.Predictions.Image(context.Background(), m, fast)
	var se *dragoneye.StepError
	require.ErrorAs(t, err, &se)
	require.Equal(t, dragoneye.StepUpload, se.Step)
	require.ErrorAs(t, err, &ie)
}

func TestImageAndVideoCheckTheKindAtConstruction(t *testing.T) {
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 64)...)
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 64)...)

	img, err := dragoneye.Image(dragoneye.MediaFromBytes(jpeg, "a.jpg"))
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", img.MIMEType())
	vid, err := dragoneye.Video(dragoneye.MediaFromBytes(mp4, "a.mp4"))
	require.NoError(t, err)
	require.Equal(t, "video/mp4", vid.MIMEType())

	_, err = dragoneye.Video(dragoneye.MediaFromBytes(jpeg, "a.jpg"))
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	require.Contains(t, err.Error(), `Predictions.Video requires a MIME type starting with video/; got "image/jpeg"`)
	_, err = dragoneye.Image(dragoneye.MediaFromBytes(mp4, "a.mp4"))
	require.ErrorAs(t, err, &ie)

	_, err = dragoneye.Image(dragoneye.MediaFromPath("does/not/exist.jpg"))
	require.Error(t, err, "the constructor's own error passes through")
	require.NotErrorAs(t, err, new(*dragoneye.StepError))
}
