package graph

// CompileUnfused is CompileWith(build, Executor) without the fusion passes
// of fuse.go, every node on its own kernel: the reference that the fused
// programs are tested against.
func CompileUnfused(build Builder) (*Program, error) {
	return compile(build, Executor, false, false)
}
