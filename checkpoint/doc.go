// Package checkpoint saves and loads flows and their training state:
// every encoder and decoder of the library's parts (bases, affines,
// chains, FFJORD blocks, networks and their layers), the reader of the
// legacy version 1, and a Codec value for the parts of a user's own types.
// Training saves nothing itself: a program gives train.Options.Save the
// callback Saver returns, and resumes with Resume.
//
// A checkpoint file, version 2, is JSON:
//
//	{"format": "ffjord-go checkpoint", "version": 2,
//	 "sha256": "<hex SHA-256 of content in compact form: no whitespace between tokens>",
//	 "content": {
//	   "model": M,
//	   "config": C (optional),
//	   "settings": {"solver": S, "adjoint": S|null, "gradient": "discrete" (optional), "trace": "exact"|…},
//	   "training": null | {"epoch": E, "lr": …, "adam": {"step": …, "m": [[…], …], "v": [[…], …]},
//	                       "shuffle": "<hex PCG state>", "noise": ["<hex>", …] (optional),
//	                       "draws": "<hex>" (optional), "history": [EpochStats…],
//	                       "best": {"epoch": E, "validation_nll": …, "params": [[…], …],
//	                                "stale": K} (optional),
//	                       "record": {"name": "value", …} (optional)}}}
//
// with S = {"method": "dopri5"|"rk4"|"euler", "rtol", "atol", "first_step",
// "max_steps", "fixed_step", optionally "step_control": "batch"|"row"}. M is the flow's distribution, each part an
// object whose "type" says what it is:
//
//	M: {"type": "transformed", "base": B, "bijector": X}
//	B: {"type": "normal", "mean": [D], "std": [D]}
//	   {"type": "normal", "learnable": true, "mean": [D], "log_scale": [D]}
//	   {"type": "mvn_tril", "loc": [D], "scale": [D·D]}     L's strictly lower entries, log L_ii on the diagonal
//	   {"type": "gaussian_mixture", "dim": D, "logits": [K], "locs": [K·D], "scales": [K·D·D]}
//	X: {"type": "chain", "bijectors": [X, …]}      TFP's order: the last is applied first when sampling
//	   {"type": "affine", "shift": [D], "log_scale": [D]}
//	   {"type": "affine_tril", "learnable": false, "shift": [D], "scale_tril": [D×D]}
//	   {"type": "affine_tril", "learnable": true, "shift": [D], "scale_tril_log_diag": [D×D]}
//	   {"type": "sigmoid", "dim": D, "low": lo, "high": hi, "alpha": α}
//	   {"type": "mixture_cdf", "dim": D, "components": K, "learnable": false|true,
//	    "logits": [D×K], "means": [D×K], "log_scales": [D×K]}
//	   {"type": "ffjord", "t0", "t1", "learn_time": true (optional), "dynamics": F}
//	   {"type": NAME, "data": …}                    a bijector of the Codec's (Codec.Bijectors)
//	F: {"type": "network", "dim": D, "layers": [L, …]}
//	   {"type": NAME, "data": …}                    a dynamics of the Codec's (Codec.Models)
//	L: {"type": "linear", "in", "out", "W": [in rows of out], "b": [out]}
//	   {"type": "concatsquash", "in", "out", "W", "b", "Wg": [out], "bg": [out], "Wb": [out]}
//	   {"type": "activation", "fn": "tanh"|"softplus", "width"}
//	   {"type": "time_concat", "copies", "width"}
//	   {"type": "context_concat", "width", "context"}
//	   {"type": "context_squash", "in", "out", "context", "W", "b", "Wg": [context rows of out], "bg": [out], "Wb": [context rows of out]}
//
// Layers use the row-vector convention h_out = h_in·W + b; a
// ConcatSquashLinear's output is (h_in·W + b) ⊙ sigmoid(t·Wg + bg) + t·Wb.
// With learn_time, t1 is the learned end time T = s² (s = √T is the
// parameter). An affine_tril's matrices are L row-major with zeros above
// the diagonal; a learnable one holds log L_ii on its diagonal instead of
// L_ii, its parameter exactly. A mixture_cdf's arrays are row-major
// (coordinate i, component k at i·K + k) and hold the log-scales ℓ, a
// learnable one's parameter, for a fixed one too. The solver settings are
// not part of M: they are "settings".
//
// C is present when train.NewFlow built the flow: its FlowConfig after defaults,
// {"dim", "blocks", "hidden", "activation", "time", "block_time",
// "base_mean", "base_std", "t0", "t1", "learn_time"}. Load checks that M is
// the stack NewFlow builds from C (a fixed Normal base of base_mean and
// base_std, a chain of blocks FFJORD blocks whose networks have C's layers,
// the last block of the chain being block 0) and gives the Flow its Config
// and Nets.
//
// Adam's moments m and v are in the order of train.Flow.Params: the base's
// parameters, then the bijectors' in the chain's order (an FFJORD block's
// network parameters, then its √T).
//
// M is always the last state of training, the one Resume continues from.
// "best", present when the training had train.Options.Validation, is the best
// validated epoch so far: its number, its validation NLL, the parameters
// the model had then (in train.Flow.Params order, as Adam's moments) and the
// number of validations since, none better (the patience counter).
// BestFlow builds the model with those parameters. Files
// without "best" (older ones, or trained without validation) load as
// before.
//
// "record" is train.Options.Record, a program's own account of how it trained
// (the ffjord command's training flags), saved so that a resumed training
// can take the same settings. Files without it load with a nil Record.
//
// Load also reads version 1, which held only NewFlow's stack (see v1.go).
// Load rejects files larger than MaxSize, a null among the elements of
// any array, and sizes beyond odefunc.MaxDim, odefunc.MaxWidth, odefunc.MaxLayers,
// distributions.MaxChain and distributions.MaxDepth before allocating.
// Any JSON reader can load a checkpoint.
package checkpoint
