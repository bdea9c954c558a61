# Builds the Windows bundle from this checkout:
#   dist\VisualNet\VisualNet.exe        the app (no console)
#   dist\VisualNet\visualnet-cli.exe    the same with a console: visualnet-cli --self-test
#   dist\VisualNet-<version>-windows-x64.zip
#   dist\VisualNet-<version>-setup.exe  when Inno Setup's iscc is on PATH (packaging\windows\visualnet.iss)
# Run from any folder:  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $Root

function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if ($env:PYTHON) { $Py = $env:PYTHON }
elseif (Test-Path "$Root\.venv\Scripts\python.exe") { $Py = "$Root\.venv\Scripts\python.exe" }
else {
    Invoke-Checked "python" @("-m", "venv", ".venv")
    $Py = "$Root\.venv\Scripts\python.exe"
    Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "--upgrade", "pip")
}
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "-e", ".[packaging]")
Invoke-Checked $Py @("packaging\make_icons.py", "build\icons")
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN", "--distpath", "dist",
                     "--workpath", "build\pyinstaller", "packaging\visualnet.spec")

$Version = (& $Py -c "import visualnet; print(visualnet.__version__)").Trim()
$Zip = "dist\VisualNet-$Version-windows-x64.zip"
if (Test-Path $Zip) { Remove-Item $Zip }
Compress-Archive -Path "dist\VisualNet" -DestinationPath $Zip
$Size = [math]::Round(((Get-ChildItem -Recurse "dist\VisualNet" | Measure-Object -Sum Length).Sum) / 1MB)
Write-Host "bundle:  dist\VisualNet ($Size MB)"
Write-Host "archive: $Zip"

$Iscc = Get-Command iscc -ErrorAction SilentlyContinue
if (-not $Iscc -and (Test-Path "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe")) {
    $Iscc = Get-Command "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
}
if ($Iscc) {
    Invoke-Checked $Iscc.Source @("/Qp", "/DAppVersion=$Version", "packaging\windows\visualnet.iss")
    Write-Host "installer: dist\VisualNet-$Version-setup.exe"
} else {
    Write-Host "Inno Setup (iscc) not found: no installer, the zip is the release"
}
