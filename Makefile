# The two commands a new user needs; each sets up everything it uses (pinned, under .tmp/).
# The test matrix is tox.ini's; hacking/ holds what tox does not do (LocalStack, the stages).
.PHONY: test demo bench reliability clean

test:
	bash hacking/test.sh

demo:
	bash hacking/tox.sh run -m demo

bench:
	bash hacking/tox.sh run -m bench

reliability:
	bash hacking/tox.sh run -m reliability

clean:
	rm -rf .tmp tests/output
