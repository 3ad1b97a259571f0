# The two commands a new user needs; each sets up everything it uses (pinned, under .tmp/).
.PHONY: test demo bench reliability clean

test:
	bash hacking/test.sh

demo:
	bash hacking/demo.sh

bench:
	bash hacking/bench.sh

reliability:
	bash hacking/reliability.sh

clean:
	rm -rf .tmp tests/output
