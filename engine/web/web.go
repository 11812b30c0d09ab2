// Package web is the world server's web side: a status site, reports with
// charts, a Prometheus endpoint, a JSON API, a browser client and admin
// pages. It only reads: the engine answers its questions with copies
// (engine.Server's Status, Who, ...) and reports come from a read-only
// connection to the database, so the web never slows the game.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"shardmud/engine"
)

//go:embed templates static
var files embed.FS

// Limits on what the web side accepts.
const (
	// MaxRequestBody bounds a request's body (forms are small).
	MaxRequestBody = 64 << 10
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes = 16 << 10
)

// Config says how to serve.
type Config struct {
	Addr   string         // host:port; ":0" style ports allowed
	Engine *engine.Server // the game this site shows
	Logger *slog.Logger
}

// Server is the running web side.
type Server struct {
	cfg   Config
	eng   *engine.Server
	log   *slog.Logger
	pages *template.Template
	http  *http.Server
	ln    net.Listener
	start time.Time
}

// New prepares the site; Start serves it.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("web: no engine")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s := &Server{cfg: cfg, eng: cfg.Engine, log: cfg.Logger.With("part", "web"), pages: pages, start: time.Now()}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("http listen: %w", err)
	}
	s.ln = ln
	s.log.Info("http listening", "addr", ln.Addr().String())
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// Addr is where the site listens (after Start).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops serving, letting requests under way finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// routes is every page and endpoint.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Status (status.go).
	mux.HandleFunc("GET /{$}", s.handleStatus)
	mux.HandleFunc("GET /who", s.handleWho)
	mux.HandleFunc("GET /api/status", s.handleAPIStatus)
	mux.HandleFunc("GET /api/who", s.handleAPIWho)
	mux.HandleFunc("GET /api/events", s.handleAPIEvents)
	// Reports (reports.go, svg.go).
	mux.HandleFunc("GET /reports", s.handleReports)
	mux.HandleFunc("GET /api/reports", s.handleAPIReports)
	// Metrics (metrics.go).
	mux.Handle("GET /metrics", s.metricsHandler())
	// The browser client (play.go, static/).
	mux.HandleFunc("GET /play", s.handlePlay)
	mux.HandleFunc("GET /ws", s.handleWebSocket)
	mux.Handle("GET /static/", http.FileServerFS(files))
	// Admin pages (admin.go).
	s.adminRoutes(mux)
	return s.guard(mux)
}

// guard sets the headers every answer carries and bounds request bodies.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// page renders a template of the site's layout.
func (s *Server) page(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.pages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Warn("page failed", "page", name, "err", err)
	}
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"since": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
}
