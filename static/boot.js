/*
 * The one classic script of our own: if the app module never started (a
 * file failed to load, an old browser without modules), say so instead of
 * showing a lobby whose buttons do nothing.
 */
window.addEventListener('load', function () {
	if (document.documentElement.getAttribute('data-ready') === '1')
		return;
	var note = document.getElementById('lobby-note');
	if (note) {
		note.textContent = 'This page did not load completely. Check your connection and reload it.';
		note.className = 'lobby-note warn';
		note.hidden = false;
	}
	var buttons = document.querySelectorAll('#lobby button[type="submit"]');
	for (var i = 0; i < buttons.length; i++)
		buttons[i].disabled = true;
});
