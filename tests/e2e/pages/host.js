// The host page's own script: it must keep running whatever the widget meets.
window.__hostAlive = true;
document.getElementById('host').dataset.ok = 'yes';
