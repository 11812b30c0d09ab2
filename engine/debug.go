package engine

import (
	"encoding/json"
	"expvar"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves net/http/pprof and /debug/vars (expvar's JSON plus a
// "shardmud" key with Metrics) on addr. It is for operators and benchmarks:
// bind it to loopback.
func (s *Server) startDebug(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/vars", s.serveVars)
	s.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.debugAddr = ln.Addr()
	s.log.Info("pprof listening", "addr", ln.Addr().String())
	go s.debug.Serve(ln)
	return nil
}

// serveVars writes every published expvar and the server's own figures
// (not published globally, so several servers can live in one process).
func (s *Server) serveVars(w http.ResponseWriter, r *http.Request) {
	vars := map[string]any{"shardmud": s.Metrics()}
	expvar.Do(func(kv expvar.KeyValue) {
		vars[kv.Key] = json.RawMessage(kv.Value.String())
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(vars)
}
