// On the training form: say in words what the model will predict for the chosen column
// ("predicting an amount: “body_mass_g”"), show the amount / category switch only for a
// column where both make sense (a 1-5 rating), and offer only the kinds of model that can
// learn the chosen task. Each option carries its tasks in data-tasks (classifiers/forms.py).
// Without JavaScript the page shows the first column's task and every model; the server
// refuses a model that cannot learn the task with a sentence naming the ones that can.
(function () {
  "use strict";
  var WORDS = { regression: "an amount", classification: "a category" };
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.train");
    if (!form) { return; }
    var target = form.querySelector("select[name=target]");
    var model = form.querySelector("select[name=classifier]");
    var choice = form.querySelector("[data-task-choice]");
    var words = form.querySelector("[data-task-words] strong");
    var text = form.querySelector("select[name=text_column]");  // set: a model reading that text column
    if (!target || !model || !choice || !words) { return; }
    var radios = Array.prototype.slice.call(choice.querySelectorAll("input[name=task]"));

    function tasksOf(option) {
      return ((option && option.getAttribute("data-tasks")) || "classification").split(" ");
    }
    function modelTasksOf(option) {  // what a kind of model learns, from the table's columns or from a text
      var reads = text && text.value ? "data-text-tasks" : "data-tasks";
      return ((option && option.getAttribute(reads)) || "").split(" ");
    }
    function chosen() {
      var checked = radios.filter(function (radio) { return radio.checked; })[0];
      return checked ? checked.value : tasksOf(target.options[target.selectedIndex])[0];
    }
    function update(targetChanged) {
      var tasks = tasksOf(target.options[target.selectedIndex]);
      if (targetChanged || tasks.indexOf(chosen()) < 0) {
        radios.forEach(function (radio) { radio.checked = radio.value === tasks[0]; });
      }
      choice.hidden = tasks.length < 2;
      var task = chosen();
      words.textContent = "predicting " + WORDS[task] + ": \u201c" + target.value + "\u201d";
      var first = null;
      Array.prototype.forEach.call(model.options, function (option) {
        var fits = modelTasksOf(option).indexOf(task) >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && first === null) { first = option; }
      });
      var current = model.options[model.selectedIndex];
      if (first && (!current || current.disabled)) {
        model.value = first.value;
        model.dispatchEvent(new Event("change"));  // the model's card follows (classifier-cards.js)
      }
    }
    target.addEventListener("change", function () { update(true); });
    radios.forEach(function (radio) { radio.addEventListener("change", function () { update(false); }); });
    if (text) { text.addEventListener("change", function () { update(false); }); }
    update(false);
  });
})();
