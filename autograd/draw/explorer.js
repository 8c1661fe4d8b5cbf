// The explorer page: one drawing of a graph, restyled for every step of backprop.
//
// Called as explore(root, data, rules, m, zoomable) by the page autograd.draw.explorer writes:
//   root      the page's element, holding the drawing (SVG), the controls and the panel;
//   data      the graph: data.nodes in topological order, each {label, shown, op, rule, inputs,
//             data, local, grad, users, notation, cards, scope}, and the drawing's cards;
//   rules     the op table written as JavaScript (autograd/draw/javascript.py): rules[r](x)
//             gives [value, [local derivatives]] of an op for the array x of its inputs' values;
//   m         the functions those rules call (m.exp, m.tanh, ...);
//   zoomable  pan and zoom for the drawing (zoom.js).
// A page that stands alone keeps its state (step, changed leaves, exercise mode) in the URL's
// fragment, #step=7&w1=0.5&exercise=1, so that a link opens it as it was.
// Backprop here is the engine's loop, step for step: the root's gradient starts at 1, then
// each node, the last first, passes its gradient on: grad[input] += local * grad[node].
(function () {
  "use strict";
  return function explore(root, data, rules, m, zoomable) {
    const nodes = data.nodes;
    const n = nodes.length;
    const precision = data.precision;
    const colours = data.colours;
    const svg = root.querySelector(".cr-drawing svg");
    const number = (x) =>
      typeof x === "string" ? ({ inf: Infinity, "-inf": -Infinity }[x] ?? NaN) : x;

    // -- the state: values and local derivatives (recomputed when a leaf changes), the step --
    const values = nodes.map((node) => number(node.data));
    const locals = nodes.map((node) => node.local.map(number));
    let finals = [];
    let scale = 0;
    let current = 0;
    let selected = null;
    const revealed = new Set();
    let exercise = data.exercise;
    let timer = null;

    // Which leaves can change: none upstream of an op the page cannot compute.
    const frozen = new Set();
    function freeze() {
      for (let i = n - 1; i >= 0; i--) {
        if ((nodes[i].rule === -1 && nodes[i].inputs.length) || frozen.has(i)) {
          nodes[i].inputs.forEach((j) => frozen.add(j));
        }
      }
    }

    // -- the marked parts of the drawing (autograd/draw/svg.py) --------------------------------
    const parts = nodes.map(() => ({
      data: [],
      grad: [],
      gradName: [],
      pill: [],
      op: [],
      edges: [],
    }));
    const kinds = {
      "cr-data": "data",
      "cr-grad": "grad",
      "cr-grad-name": "gradName",
      "cr-pill": "pill",
      "cr-op": "op",
    };
    svg.querySelectorAll("[data-node]").forEach((element) => {
      const i = +element.getAttribute("data-node");
      const kind = kinds[element.getAttribute("class")];
      if (kind) {
        parts[i][kind].push(element);
      } else if (element.classList.contains("edge")) {
        const lines = Array.from(element.querySelectorAll("path, polygon"));
        const label = element.querySelector(".cr-local");
        parts[i].edges.push({ lines, label, input: +element.getAttribute("data-input") });
      }
    });
    const cards = Array.from(svg.querySelectorAll("g.node"));
    const borders = Array.from(svg.querySelectorAll(".cr-border")).map((element) => ({
      element,
      members: new Set(data.cards[element.getAttribute("data-card")]),
    }));

    // -- numbers and colours, as autograd/draw/style.py writes them -----------------------------
    function rounded(x, digits, exponential) {
      // JavaScript rounds a tie away from zero, Python (which drew the picture) to even.
      const text = exponential ? x.toExponential(digits) : x.toFixed(digits);
      const exact = exponential
        ? x.toExponential(Math.min(100, digits + 40))
        : x.toFixed(Math.min(100, digits + 40));
      const [mantissa, exponent] = exact.split("e");
      const point = mantissa.indexOf(".");
      const kept = point < 0 ? mantissa.length : point + digits + (digits ? 1 : 0);
      const rest = mantissa.slice(point < 0 ? kept : Math.max(kept, point + 1));
      const last = +mantissa[kept - 1];
      if (/^50*$/.test(rest) && last % 2 === 0) {
        const truncated = mantissa.slice(0, kept).replace(/\.$/, "");
        return exponent === undefined ? truncated : truncated + "e" + exponent;
      }
      return text;
    }

    function format(x) {
      if (Number.isNaN(x)) return "nan";
      if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
      if (x === 0) return (0).toFixed(precision);
      const sign = x < 0 ? "-" : "";
      const size = Math.abs(x);
      if (10 ** -Math.min(precision, 3) <= size && size < 1e6)
        return sign + rounded(size, precision, false);
      const text = rounded(size, Math.max(precision - 1, 1), true);
      return sign + text.replace(/e([+-])(\d)$/, "e$10$2");
    }

    function halfEven(x) {
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }

    function gradColours(grad) {
      if (grad !== grad) return [colours.nan, colours.ink];
      if (grad === 0 || !(scale > 0)) return [null, colours.ink];
      const strength =
        colours.faintest + (1 - colours.faintest) * Math.sqrt(Math.min(1, Math.abs(grad) / scale));
      const end = grad > 0 ? colours.positive : colours.negative;
      const fill =
        "#" +
        end
          .map((c) =>
            halfEven(255 + (c - 255) * strength)
              .toString(16)
              .padStart(2, "0"),
          )
          .join("");
      return [fill, strength > colours.whiteText ? "white" : colours.ink];
    }

    // -- the graph's arithmetic: the op table's rules, and backprop ---------------------------
    function forward() {
      for (let i = 0; i < n; i++) {
        const rule = nodes[i].rule;
        if (rule >= 0) {
          const [out, local] = rules[rule](nodes[i].inputs.map((j) => values[j]));
          values[i] = out;
          locals[i] = local;
        }
      }
    }

    function gradients(steps) {
      const grads = new Array(n).fill(0);
      grads[n - 1] = 1;
      for (let s = 0; s < steps; s++) {
        const u = n - 1 - s;
        nodes[u].inputs.forEach((v, k) => {
          // A zero local derivative passes nothing on, even an infinite gradient: the engine's
          // masks (relu below 0, x⁰) do the same with their cut zero, autograd.floatmath.CUT.
          const local = locals[u][k];
          grads[v] += local === 0 ? 0 : local * grads[u];
        });
      }
      return grads;
    }

    function recompute() {
      forward();
      finals = gradients(n);
      scale = Math.max(0, ...finals.filter(Number.isFinite).map(Math.abs));
    }

    const complete = (i, step) => i >= n - step;

    // -- drawing the state -----------------------------------------------------------------------
    // Only what changed is written: each write to the drawing costs the browser a restyle.
    function put(element, attribute, value) {
      if (element.getAttribute(attribute) !== value) element.setAttribute(attribute, value);
    }

    function write(element, text) {
      if (element.textContent !== text) element.textContent = text;
    }

    // What each node's card shows now, so that a step restyles only the cards it changes.
    const shown = nodes.map(() => ({ value: undefined, grad: undefined, look: undefined }));

    let litBefore = -1;
    let fresh = true;

    // A step changes the highlight of two nodes only; a new leaf value (fresh) changes them all.
    function paint() {
      const grads = gradients(current);
      const lit = current > 0 ? n - current : -1;
      for (let i = 0; i < n; i++) {
        const done = complete(i, current);
        const hidden = exercise && !revealed.has(i);
        const on = i === lit;
        const p = parts[i];
        const now = shown[i];
        if (!Object.is(now.value, values[i])) {
          now.value = values[i];
          p.data.forEach((t) => write(t, format(values[i])));
        }
        const look = (hidden ? "?" : grads[i]) + (done ? " done" : " pending") + " " + scale;
        if (now.look !== look) {
          now.look = look;
          const [fill, ink] = done && !hidden ? gradColours(grads[i]) : [null, colours.border];
          p.grad.forEach((t) => {
            write(t, hidden ? "?" : format(grads[i]));
            put(t, "fill", ink);
          });
          p.gradName.forEach((t) => put(t, "fill", ink));
          p.pill.forEach((path) => put(path, "fill", fill || "white"));
        }
        if (!fresh && i !== lit && i !== litBefore) continue;
        p.op.forEach((oval) => {
          put(oval, "stroke", on ? colours.highlight : colours.border);
          put(oval, "stroke-width", on ? "2.5" : "1");
        });
        p.edges.forEach(({ lines, label, input }) => {
          lines.forEach((line) => {
            put(line, "stroke", on ? colours.highlight : colours.muted);
            if (line.tagName === "polygon")
              put(line, "fill", on ? colours.highlight : colours.muted);
            put(line, "stroke-width", on ? "2.5" : "1.2");
          });
          if (label && fresh) write(label, "∂ = " + format(locals[i][input]));
        });
      }
      litBefore = lit;
      fresh = false;
      borders.forEach(({ element, members }) => {
        put(element, "stroke", members.has(lit) ? colours.highlight : colours.border);
        put(element, "stroke-width", members.has(lit) ? "3" : "1");
      });
      const chosen = new Set(selected === null ? [] : nodes[selected].cards);
      cards.forEach((card) => card.classList.toggle("cr-selected", chosen.has(card.id)));
      slider.value = current;
      counter.textContent = caption();
      showQuestion();
      if (selected !== null) showPanel(selected);
    }

    // -- words ---------------------------------------------------------------------------------
    const name = (i) => nodes[i].shown || "n" + i;
    const rootName = name(n - 1);

    function caption() {
      if (current === 0) return "step 0 of " + n + ": the forward pass is done; no gradient yet";
      const i = n - current;
      const what =
        i === n - 1
          ? "starts backprop with ∂" + rootName + "/∂" + rootName + " = 1"
          : nodes[i].inputs.length
            ? "has its complete gradient and passes it on"
            : "is a leaf: its gradient is complete";
      return "step " + current + " of " + n + ": " + name(i) + " " + what;
    }

    function chainRule(i) {
      const grads = gradients(current);
      const d = "∂" + rootName + "/∂";
      if (i === n - 1) return d + name(i) + " = 1: backprop starts here";
      const terms = nodes[i].users.filter(([u]) => complete(u, current));
      const sum = terms.length
        ? terms.map(([u, k]) => format(grads[u]) + " × " + format(locals[u][k])).join(" + ")
        : "0";
      const symbols = nodes[i].users
        .map(([u]) => d + name(u) + " · ∂" + name(u) + "/∂" + name(i))
        .join(" + ");
      const total = terms.reduce((s, [u, k]) => s + grads[u] * locals[u][k], 0);
      const missing = nodes[i].users.length - terms.length;
      const status = complete(i, current)
        ? ""
        : missing
          ? "  (not complete yet: " + missing + " of " + nodes[i].users.length + " terms to come)"
          : "  (every term is in; backprop reaches " + name(i) + " at step " + (n - i) + ")";
      return (
        d +
        name(i) +
        " = Σ over the nodes u that use " +
        name(i) +
        " of " +
        d +
        "u · ∂u/∂" +
        name(i) +
        " = " +
        symbols +
        " = " +
        sum +
        " = " +
        format(complete(i, current) ? grads[i] : total) +
        status
      );
    }

    function explanation(i) {
      const node = nodes[i];
      const lines = [
        name(i) +
          (node.op
            ? " = " + node.op + "(" + node.inputs.map(name).join(", ") + ")"
            : node.inputs.length
              ? ""
              : " (a leaf)"),
      ];
      const grad = format(gradients(current)[i]);
      lines.push(
        "value " +
          format(values[i]) +
          ",  gradient " +
          (complete(i, current)
            ? grad
            : "not complete yet (" + grad + " so far; complete at step " + (n - i) + ")"),
      );
      if (node.inputs.length) {
        lines.push("rule: " + (node.notation || node.op));
        node.inputs.forEach((j, k) =>
          lines.push("∂" + name(i) + "/∂" + name(j) + " = " + format(locals[i][k])),
        );
      }
      lines.push("chain rule: " + chainRule(i));
      return lines;
    }

    // -- the page's parts ----------------------------------------------------------------------
    const controls = root.querySelector(".cr-controls");
    const slider = root.querySelector(".cr-slider");
    const counter = root.querySelector(".cr-counter");
    const play = root.querySelector(".cr-play");
    const panel = root.querySelector(".cr-panel");
    const notice = root.querySelector(".cr-notice");
    const question = root.querySelector(".cr-question");
    const exerciseBox = root.querySelector(".cr-exercise input");
    slider.max = n;
    controls.hidden = false;

    function showPanel(i) {
      panel.hidden = false;
      panel.replaceChildren();
      explanation(i).forEach((text, k) => {
        const line = document.createElement(k === 0 ? "h3" : "p");
        line.textContent = text;
        panel.append(line);
      });
      if (!nodes[i].inputs.length) {
        const label = document.createElement("label");
        label.textContent = "change " + name(i) + ": ";
        label.append(leafField(i));
        panel.append(label);
      }
    }

    function leafField(i) {
      const field = document.createElement("input");
      field.type = "number";
      field.step = "any";
      field.className = "cr-leaf";
      field.value = String(values[i]);
      field.setAttribute("data-node", String(i));
      if (frozen.has(i)) {
        field.disabled = true;
        field.title = "the page cannot compute an op that uses this value";
      }
      field.addEventListener("change", () => {
        try {
          setLeaf(i, field.value);
        } catch (error) {
          say(error.message);
        }
      });
      return field;
    }

    // The leaves' fields, grouped as the drawing boxes them: Layer 1 › Neuron 2 › w1. A group
    // opens and closes; one whose scope the drawing collapses to a summary card starts closed.
    function showLeafFields() {
      const groups = new Map([["", root.querySelector(".cr-leaves")]]);
      function group(scope) {
        const key = scope.join("/");
        if (!groups.has(key)) {
          const outer = group(scope.slice(0, -1));
          const details = document.createElement("details");
          details.className = "cr-scope";
          details.setAttribute("data-scope", key);
          details.open = !data.collapsed.some((c) => key === c || key.startsWith(c + "/"));
          const summary = document.createElement("summary");
          summary.textContent = scope[scope.length - 1];
          details.append(summary);
          outer.append(details);
          groups.set(key, details);
        }
        return groups.get(key);
      }
      named.forEach((i) => {
        const label = document.createElement("label");
        label.title = pathOf(i);
        label.textContent = name(i) + " = ";
        label.append(leafField(i));
        group(nodes[i].scope).append(label);
      });
    }

    function say(text) {
      notice.hidden = !text && !data.unwritable.length;
      notice.replaceChildren();
      data.unwritable.forEach((line) => {
        const p = document.createElement("p");
        p.textContent =
          "The page cannot compute " +
          line +
          ": the values that depend on it cannot be changed here; stepping works.";
        notice.append(p);
      });
      if (text) {
        const p = document.createElement("p");
        p.textContent = text;
        notice.append(p);
      }
    }

    // -- exercise mode: the learner gives each gradient before it is shown ---------------------
    function showQuestion() {
      question.hidden = !exercise || current >= n;
      exerciseBox.checked = exercise;
      if (!exercise) return;
      if (current >= n) return;
      const i = n - 1 - current;
      question.querySelector(".cr-ask").textContent =
        "step " + (current + 1) + ": what is ∂" + rootName + "/∂" + name(i) + "?";
    }

    function answer(value) {
      if (current >= n)
        throw new Error("every gradient is complete: there is nothing left to answer");
      const i = n - 1 - current;
      const expected = gradients(current + 1)[i];
      const given = Number(value);
      const right =
        format(given) === format(expected) || Math.abs(given - expected) <= 0.5 * 10 ** -precision;
      revealed.add(i);
      step(current + 1);
      const verdict = right ? "✓ right: " : "✗ not quite (you gave " + String(value) + "): ";
      question.querySelector(".cr-verdict").textContent = verdict + chainRule(i);
      return { right, expected };
    }

    // -- stepping --------------------------------------------------------------------------------
    function step(k) {
      const next = Math.max(0, Math.min(n, Math.round(Number(k))));
      if (Number.isNaN(next)) throw new Error("step(k) needs a number from 0 to " + n);
      if (exercise) {
        for (let s = current; s < next; s++) {
          if (!revealed.has(n - 1 - s)) {
            current = s;
            paint();
            question.querySelector("input").focus();
            return current;
          }
        }
      }
      current = next;
      paint();
      remember();
      return current;
    }

    // Exercise mode on: the gradients complete so far stay shown, the next ones are asked for.
    function setExercise(on) {
      exercise = Boolean(on);
      revealed.clear();
      for (let s = 0; s < current; s++) revealed.add(n - 1 - s);
      paint();
      remember();
    }

    function setLeaf(i, value) {
      const x = Number(value);
      if (typeof value === "string" && value.trim() === "")
        throw new Error("give " + name(i) + " a number");
      if (!Number.isFinite(x))
        throw new Error(name(i) + " must be a finite number, not " + String(value));
      if (nodes[i].inputs.length)
        throw new Error(name(i) + " is not a leaf: only leaves can be given a value");
      if (frozen.has(i))
        throw new Error(name(i) + " feeds an op the page cannot compute, so it cannot change here");
      values[i] = x;
      recompute();
      fresh = true;
      const broken = nodes.findIndex(
        (node, j) =>
          node.inputs.length &&
          !Number.isFinite(values[j]) &&
          node.inputs.every((v) => Number.isFinite(values[v])),
      );
      say(
        broken >= 0
          ? "At " +
              name(i) +
              " = " +
              format(x) +
              ", " +
              name(broken) +
              " = " +
              nodes[broken].op +
              "(" +
              nodes[broken].inputs.map((v) => format(values[v])).join(", ") +
              ") is " +
              format(values[broken]) +
              ": outside the op's domain or too large."
          : "",
      );
      root.querySelectorAll(".cr-leaf[data-node='" + i + "']").forEach((field) => {
        if (document.activeElement !== field) field.value = String(x);
      });
      paint();
      remember();
    }

    // -- leaves by name: the scope path ("MLP/Layer 1/Neuron 2/w1"), or its end when that is
    // enough to tell the leaf from every other (a bare label "w1" when no other leaf has it) --

    // The labelled leaves, in reading order: outside any scope first, then scope by scope
    // (Neuron 2 before Neuron 10), each scope's in the graph's order.
    const natural = (a, b) => a.localeCompare(b, undefined, { numeric: true });
    function byScope(i, j) {
      const [a, b] = [nodes[i].scope, nodes[j].scope];
      for (let k = 0; k < Math.min(a.length, b.length); k++) {
        if (a[k] !== b[k]) return natural(a[k], b[k]);
      }
      return a.length - b.length || i - j;
    }
    const named = nodes
      .map((node, i) => i)
      .filter((i) => !nodes[i].inputs.length && nodes[i].label)
      .sort(byScope);
    const pathOf = (i) => nodes[i].scope.concat([nodes[i].label]).join("/");
    // The names of leaf i, longest first: its path, then ever shorter ends of it.
    const namesOf = (i) =>
      nodes[i].scope
        .map((_, k) => nodes[i].scope.slice(k).concat([nodes[i].label]).join("/"))
        .concat([nodes[i].label]);

    function listed(leaves) {
      const some = leaves.slice(0, 12).map((i) => JSON.stringify(pathOf(i)));
      const more = leaves.length > 12 ? " and " + (leaves.length - 12) + " more" : "";
      return some.join(", ") + more;
    }

    function leafNamed(name) {
      const exact = named.filter((i) => pathOf(i) === name);
      const matches = exact.length ? exact : named.filter((i) => namesOf(i).includes(name));
      if (matches.length === 1) return matches[0];
      if (!matches.length) {
        const known = named.length ? ": the leaves are " + listed(named) : ": the graph has none";
        throw new Error("no leaf is named " + JSON.stringify(name) + known);
      }
      throw new Error(
        matches.length +
          " leaves are named " +
          JSON.stringify(name) +
          ": give one of " +
          listed(matches),
      );
    }

    // The shortest name that finds leaf i and is not one of the fragment's own words.
    function shortName(i) {
      const names = namesOf(i).filter((name) => !FRAGMENT_WORDS.includes(name));
      for (let k = names.length - 1; k >= 0; k--) {
        const found = named.filter((j) => namesOf(j).includes(names[k]));
        if (found.length === 1) return names[k];
      }
      return null;
    }

    function set(name, value) {
      setLeaf(leafNamed(String(name)), value);
    }

    // -- the state in the URL's fragment --------------------------------------------------------
    const FRAGMENT_WORDS = ["step", "exercise"];
    const original = nodes.map((node) => number(node.data));
    const encode = (text) => encodeURIComponent(text).replace(/%2F/g, "/");
    let written = null;
    let restored = false; // the fragment is written once the page has read it

    function fragment() {
      const parts = ["step=" + current];
      if (exercise !== data.exercise) parts.push("exercise=" + (exercise ? 1 : 0));
      named.forEach((i) => {
        const name = shortName(i);
        if (name !== null && !Object.is(values[i], original[i])) {
          parts.push(encode(name) + "=" + encode(String(values[i])));
        }
      });
      return parts.join("&");
    }

    function remember() {
      if (!data.standalone || !restored) return;
      written = fragment();
      if (location.hash.slice(1) === written) return;
      try {
        history.replaceState(history.state, "", "#" + written);
      } catch (error) {
        location.replace("#" + written); // where history refuses (some file: pages)
      }
    }

    // Apply a fragment: what it cannot use is left out and named in the notice.
    function restore(text) {
      const changed = named.filter((i) => !Object.is(values[i], original[i]));
      changed.forEach((i) => setLeaf(i, original[i]));
      const ignored = [];
      let goal = null;
      let mode = data.exercise;
      const leaves = [];
      for (const part of text.split("&")) {
        if (!part) continue;
        const at = part.indexOf("=");
        let key, value;
        try {
          key = decodeURIComponent(at < 0 ? part : part.slice(0, at));
          value = at < 0 ? "" : decodeURIComponent(part.slice(at + 1));
        } catch (error) {
          ignored.push(JSON.stringify(part) + " (not a readable part)");
          continue;
        }
        if (key === "step") {
          const k = Number(value);
          if (value.trim() !== "" && Number.isInteger(k) && k >= 0 && k <= n) goal = k;
          else ignored.push("step=" + value + " (a step is a whole number from 0 to " + n + ")");
        } else if (key === "exercise") {
          if (value === "1" || value === "0") mode = value === "1";
          else ignored.push("exercise=" + value + " (exercise is 1 or 0)");
        } else {
          leaves.push([key, value]);
        }
      }
      for (const [key, value] of leaves) {
        try {
          setLeaf(leafNamed(key), value);
        } catch (error) {
          ignored.push(key + "=" + value + " (" + error.message + ")");
        }
      }
      exercise = mode;
      revealed.clear();
      for (let s = 0; s < (goal ?? 0); s++) revealed.add(n - 1 - s);
      current = 0;
      step(goal ?? 0);
      if (ignored.length) say("Left out of the link: " + ignored.join("; ") + ".");
    }

    function pause() {
      clearInterval(timer);
      timer = null;
      play.textContent = "▶ play";
    }

    function togglePlay() {
      if (timer !== null) return pause();
      if (current >= n) step(0);
      play.textContent = "❚❚ pause";
      timer = setInterval(() => {
        const before = current;
        step(current + 1);
        if (current >= n || current === before) pause();
      }, 700);
    }

    // -- wiring ----------------------------------------------------------------------------------
    root.querySelector(".cr-previous").addEventListener("click", () => step(current - 1));
    root.querySelector(".cr-next").addEventListener("click", () => step(current + 1));
    play.addEventListener("click", togglePlay);
    slider.addEventListener("input", () => step(+slider.value));
    const keys = data.standalone ? document : root;
    keys.addEventListener("keydown", (event) => {
      const target = event.target;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        step(current + (event.key === "ArrowLeft" ? -1 : 1));
        event.preventDefault();
      }
    });
    svg.addEventListener("click", (event) => {
      const card = event.target.closest("g.node");
      if (card && card.id in data.clicks) {
        selected = data.clicks[card.id];
        paint();
        return;
      }
      // A click on a scope's box (data.boxes gives the scope of each box's id) opens or
      // closes that scope's group of leaf fields.
      const box = event.target.closest("g.cluster");
      if (card || !box || !(box.id in data.boxes)) return;
      const scope = data.boxes[box.id];
      const group = Array.from(root.querySelectorAll(".cr-scope")).find(
        (details) => details.getAttribute("data-scope") === scope,
      );
      if (group) group.open = !group.open;
    });
    const answerField = question.querySelector("input");
    question.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (answerField.value.trim() !== "") answer(answerField.value);
      answerField.value = "";
    });
    question.querySelector(".cr-reveal").addEventListener("click", () => {
      revealed.add(n - 1 - current);
      step(current + 1);
      question.querySelector(".cr-verdict").textContent = chainRule(n - current);
    });
    exerciseBox.addEventListener("change", () => setExercise(exerciseBox.checked));

    // The page checks its own arithmetic once: the rules, run here at the recorded leaves,
    // must give the values and local derivatives the engine recorded.
    const recorded = values.slice();
    const recordedLocals = locals.map((l) => l.slice());
    forward();
    const same = (a, b) =>
      a === b || (a !== a && b !== b) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    for (let i = 0; i < n; i++) {
      const ok =
        same(values[i], recorded[i]) && locals[i].every((d, k) => same(d, recordedLocals[i][k]));
      if (!ok) {
        data.unwritable.push(nodes[i].op + " (it computes differently in the browser)");
        nodes[i].rule = -1;
      }
    }
    recorded.forEach((x, i) => (values[i] = x));
    recordedLocals.forEach((l, i) => (locals[i] = l));
    freeze();
    recompute();
    say("");
    showLeafFields();
    const api = {
      steps: n,
      nodes: () => {
        const grads = gradients(current);
        return nodes.map((node, i) => ({
          id: i,
          label: node.label,
          op: node.op,
          data: values[i],
          grad: complete(i, current) ? grads[i] : null,
        }));
      },
      step: step,
      current: () => current,
      set: set,
      explain: (id) => {
        if (!(id >= 0 && id < n)) throw new Error("no node has the id " + String(id));
        return explanation(id).join("\n");
      },
      answer: answer,
      exercise: (on) => {
        if (on !== undefined) setExercise(on);
        return exercise;
      },
      view: () => view.view(),
    };
    root.chainrule = api;
    window.chainrule = api;
    if (data.standalone) {
      root.focus();
      restore(location.hash.slice(1));
      window.addEventListener("hashchange", () => {
        if (location.hash.slice(1) !== written) restore(location.hash.slice(1));
      });
    } else {
      step(0);
    }
    restored = true;
    remember();
    // Fitted to the room left once everything above the drawing (fields, question, notice) is
    // in place.
    const view = zoomable(root.querySelector(".cr-drawing"), svg, data.standalone);
    root.querySelector(".cr-zoom-in").addEventListener("click", () => view.zoom(1.25));
    root.querySelector(".cr-zoom-out").addEventListener("click", () => view.zoom(1 / 1.25));
    root.querySelector(".cr-fit").addEventListener("click", () => view.fit());
    return api;
  };
})();
