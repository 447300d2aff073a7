# completion/: the shell completion scripts (issue 13 item 4), written by
# the bones just built (`bones completion SHELL`, verbs/complete/), so they
# never drift from the program.  Installed under the names each shell
# looks for: bash-completion loads completions/bones, zsh _bones on $fpath,
# fish vendor_completions.d/bones.fish (configure --with-*-completion-dir).
completion_scripts = completion/bones completion/_bones completion/bones.fish
if BASH_COMPLETION
nodist_bashcompletion_DATA = completion/bones
endif
if ZSH_COMPLETION
nodist_zshcompletion_DATA = completion/_bones
endif
if FISH_COMPLETION
nodist_fishcompletion_DATA = completion/bones.fish
endif
CLEANFILES += $(completion_scripts)

# the build tree's bones, without its module dirs: the scripts do not
# depend on which modules are found.  They wait for every library and
# module link too: in a parallel build, running ./bones while libtool links
# a module once failed to load libbones.so.0 (seen once, 2026-12-06).
completion_deps = bones$(EXEEXT) $(lib_LTLIBRARIES) $(module_LTLIBRARIES)
completion_gen = $(MKDIR_P) completion && BONES_NO_BUILD_TREE_MODULES=1 ./bones$(EXEEXT)
completion/bones: $(completion_deps)
	$(AM_V_GEN)$(completion_gen) completion bash >$@.tmp && mv $@.tmp $@
completion/_bones: $(completion_deps)
	$(AM_V_GEN)$(completion_gen) completion zsh >$@.tmp && mv $@.tmp $@
completion/bones.fish: $(completion_deps)
	$(AM_V_GEN)$(completion_gen) completion fish >$@.tmp && mv $@.tmp $@
